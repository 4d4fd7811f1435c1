// `livekit serve` as it runs from a checkout (bin/livekit: node with tsx) and as the medium carries it
// (scripts/mklive/bundle-engine.sh: one esbuild module run by plain node, no tsx, no node_modules). Each
// exports answers with the password hashed in its worker thread (started from source text, which each
// way transforms differently), refuses a 120,000-character password while `state` is still answered,
// and answers 400 to two Host headers (issue #21).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { sha512Crypt } from '../../electron/engine/answers/sha512-crypt.ts';
import type { AppRouter } from '../../electron/api.ts';
import { ROOT, rpcClient } from '../e2e/serve.ts';

/** How to start `livekit serve` with these arguments, from a scratch dir. */
type Launch = (dir: string, args: string[]) => Promise<{ command: string; args: string[] }>;

const RUNTIMES: [string, Launch][] = [
  ['from the sources (bin/livekit: tsx)', async (_dir, args) => ({ command: join(ROOT, 'bin/livekit'), args })],
  [
    'bundled as on the medium (plain node, no node_modules)',
    async (dir, args) => {
      const app = join(dir, 'app');
      await execa('bash', [join(ROOT, 'scripts/mklive/bundle-engine.sh'), join(app, 'electron/cli/main.mjs')]);
      for (const l of ['en', 'zh-CN', 'zh-TW']) cpSync(join(ROOT, 'locales', l), join(app, 'locales', l), { recursive: true });
      return { command: process.execPath, args: [join(app, 'electron/cli/main.mjs'), ...args] };
    },
  ],
];

describe.each(RUNTIMES)('livekit serve %s', (_name, launch) => {
  let dir = '';
  let child: ChildProcess;
  let origin = '';
  let token = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-runtime-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>x</title>');
    const how = await launch(dir, ['serve', '--port', '0', '--renderer', join(dir, 'renderer'), '--cmdline-file', '/dev/null']);
    child = spawn(how.command, how.args, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    origin = new URL(url).origin;
    token = new URL(url).searchParams.get('token')!;
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports answers with the password hashed in its worker; refuses 120,000 characters at once', async () => {
    const client = await rpcClient({ origin, token });
    try {
      for (const password of ['secret1', '密'.repeat(170)]) { // 510 bytes: the longest the account rule takes
        const out = (await client.rpc.exportAnswers.mutate({ version: 1, user: { name: 'alice', password } })) as { user: Record<string, unknown> };
        const hash = out.user['password-hash'] as string;
        expect(hash).toMatch(/^\$6\$/);
        expect(sha512Crypt(password, hash.split('$')[2]!)).toBe(hash);
        expect(out.user.password).toBeUndefined();
      }
      const err = await client.rpc.exportAnswers.mutate({ version: 1, user: { name: 'alice', password: 'p'.repeat(120_000) } }).then(() => null, (e: unknown) => e);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
      expect((await client.rpc.state.query()).phase).toBe('idle');
    } finally {
      await client.close();
    }
  });

  it('answers 400 to a request with two Host headers', async () => {
    const host = new URL(origin).host;
    const status = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(new URL(origin).port), '127.0.0.1');
      let got = '';
      sock.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (got.includes('\r\n')) sock.destroy();
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(got.split('\r\n', 1)[0]!));
      sock.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nHost: ${host}\r\n\r\n`);
    });
    expect(status).toBe('HTTP/1.1 400 Bad Request');
  });
});
