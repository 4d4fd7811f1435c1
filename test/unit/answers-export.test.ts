// "Export answers" under hostile input (issue #21, F7): a password the rules refuse, or one far too long
// for the RPC (120,000 characters froze the service for 32 s), is refused at once and never hashed (the
// hashing port is injected and counted); a normal one exports, hashed in a worker thread while the
// service's event loop keeps turning, and the file validates as it is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { exportAnswers, ExportRefusedError } from '../../electron/engine/answers/export.ts';
import { hashPasswordsInWorker, MAX_HASHED_BYTES, PasswordTooLongError, type HashPasswords } from '../../electron/engine/answers/hash-worker.ts';
import { sha512Crypt } from '../../electron/engine/answers/sha512-crypt.ts';
import { validateAnswers } from '../../electron/engine/answers/validate.ts';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { AppRouter } from '../../electron/api.ts';
import { rpcClient } from '../e2e/serve.ts';
import { desktopSysroot } from './plan-helpers.ts';

const answers = (password: string, rootPassword?: string) => ({
  version: 1,
  variant: 'desktop',
  target: { disk: '/dev/vdb' },
  hostname: 'pc',
  user: { name: 'alice', password },
  ...(rootPassword === undefined ? {} : { root: { password: rootPassword } }),
});

/** The real hashing, counted. */
function counted(): { hash: HashPasswords; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, hash: async (pws) => (calls.push([...pws]), hashPasswordsInWorker(pws)) };
}

function expectHashOf(password: string, hash: unknown): void {
  expect(hash).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  const salt = (hash as string).split('$')[2]!;
  expect(sha512Crypt(password, salt)).toBe(hash);
}

describe('exportAnswers', () => {
  it('refuses a password the rules refuse, naming the rule, before hashing anything', async () => {
    for (const [password, problem] of [
      ['abc', 'user.password-short'],
      ['two\nlines', 'user.password-chars'],
    ] as const) {
      const { hash, calls } = counted();
      const err = await exportAnswers(answers('a fine one', password), hash).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ExportRefusedError);
      expect(err).toMatchObject({ code: 'export-refused', params: { path: 'root.password', problem } });
      expect(calls).toEqual([]);
    }
  });

  it('hashes each password with its own salt in a worker thread; the file validates as it is', async () => {
    const { hash, calls } = counted();
    const out = (await exportAnswers(answers('secret1', 'rootpw1'), hash)) as { user: Record<string, unknown>; root: Record<string, unknown> };
    expect(calls).toEqual([['secret1', 'rootpw1']]);
    expect(JSON.stringify(out)).not.toMatch(/secret1|rootpw1/);
    expectHashOf('secret1', out.user['password-hash']);
    expectHashOf('rootpw1', out.root['password-hash']);
    expect(validateAnswers(out, { sysroots: [desktopSysroot()], cmdline: '' })).toMatchObject({ ok: true });
  });

  it('drops an empty password (validation says so) and hashes nothing for it', async () => {
    const { hash, calls } = counted();
    const out = await exportAnswers(answers(''), hash);
    expect(out).toMatchObject({ user: { name: 'alice' } });
    expect(out.user).not.toHaveProperty('password');
    expect(calls).toEqual([]);
  });
});

describe('hashPasswordsInWorker', () => {
  it('hashes the longest password the service takes (1024 three-byte characters) while the event loop keeps turning', async () => {
    const longest = '密'.repeat(1024); // the RPC's bound counts UTF-16 units: this is the most bytes it lets through
    let turns = 0;
    let turning = true;
    const turn = () => {
      turns++;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const [hash] = await hashPasswordsInWorker([longest]);
    turning = false;
    expectHashOf(longest, hash);
    // On this thread the hash would run in one go: not a single turn before it is done.
    expect(turns).toBeGreaterThan(0);
  });

  it('refuses more than its bound without starting a worker', async () => {
    await expect(hashPasswordsInWorker(['x'.repeat(MAX_HASHED_BYTES + 1)])).rejects.toBeInstanceOf(PasswordTooLongError);
  });
});

describe('the exportAnswers RPC', () => {
  const engine: EnginePort = {
    facts: async () => {
      throw new Error('not asked');
    },
    validate: async () => [],
    plan: async () => ({ ok: false, problems: [], refusals: [] }),
    replan: async () => ({ ok: false, problems: [], refusals: [] }),
    confirm: async () => ({ secrets: [] }),
    install: async () => ({ ok: false, cancelled: false }),
  };
  let dir: string;
  let svc: RunningService;
  const hashing = counted();
  let client: Awaited<ReturnType<typeof rpcClient>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-export-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    svc = await startService({ engine, rendererDir: dir, hashPasswords: hashing.hash });
    client = await rpcClient(svc);
  });
  afterAll(async () => {
    await client?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a 120,000-character password at once (BAD_REQUEST), hashing nothing; a normal one exports', async () => {
    for (const [user, root] of [
      ['p'.repeat(120_000), undefined],
      ['secret1', 'p'.repeat(1025)],
    ] as const) {
      const err = await client.rpc.exportAnswers.mutate(answers(user, root)).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCClientError);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
      expect((err as Error).message).toContain('longer than 1024 characters');
    }
    expect(hashing.calls).toEqual([]);

    const refused = await client.rpc.exportAnswers.mutate(answers('abc')).then(() => null, (e: unknown) => e);
    expect((refused as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'BAD_REQUEST', coded: { code: 'export-refused', params: { problem: 'user.password-short' } } });
    expect(hashing.calls).toEqual([]);

    // Past chpasswd's 511 bytes the account rule refuses, before any hashing.
    const tooLong = await client.rpc.exportAnswers.mutate(answers('p'.repeat(512))).then(() => null, (e: unknown) => e);
    expect((tooLong as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'BAD_REQUEST', coded: { code: 'export-refused', params: { problem: 'user.password-long' } } });
    expect(hashing.calls).toEqual([]);

    const out = (await client.rpc.exportAnswers.mutate(answers('p'.repeat(511)))) as { user: Record<string, unknown> };
    expect(hashing.calls).toEqual([['p'.repeat(511)]]);
    expectHashOf('p'.repeat(511), out.user['password-hash']);
    expect(validateAnswers(out, { sysroots: [desktopSysroot()], cmdline: '' })).toMatchObject({ ok: true });
    expect((await client.rpc.state.query()).phase).toBe('idle');
  });
});
