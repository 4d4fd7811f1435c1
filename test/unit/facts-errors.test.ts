// A failed collection of the machine's facts reaches a client as a short coded error (issue #21, F7:
// under load, replies carried lsblk's whole JSON output inside the error). A stand-in `lsblk` first on
// PATH prints a device table and fails, or prints something that is not JSON: the engine's error, and
// the service's reply over its real WebSocket, say `facts-unavailable` and carry none of that output.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { FactsUnavailableError, readLsblk } from '../../electron/engine/disks/collect.ts';
import { RealEngine } from '../../electron/engine/service/engine.ts';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { AppRouter } from '../../electron/api.ts';
import { rpcClient } from '../e2e/serve.ts';

const SECRET_SERIAL = 'SERIAL-FROM-LSBLK-OUTPUT';
const TABLE = JSON.stringify({ blockdevices: [{ name: 'sda', type: 'disk', size: 1, serial: SECRET_SERIAL }] });

let dir: string;
let savedPath: string | undefined;
/** Makes the stand-in lsblk behave as `script` says (a sh script body). */
const lsblk = (script: string) => {
  writeFileSync(join(dir, 'bin', 'lsblk'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'bin', 'lsblk'), 0o755);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-facts-err-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  savedPath = process.env.PATH;
  process.env.PATH = `${join(dir, 'bin')}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const expectClean = (text: string) => {
  expect(text).not.toContain(SECRET_SERIAL);
  expect(text).not.toContain('blockdevices');
  expect(text).not.toContain('\n');
};

describe('readLsblk', () => {
  it('a failing lsblk: facts-unavailable with the exit code, not its output', async () => {
    lsblk(`echo '${TABLE}'; echo 'lsblk: something broke' >&2; exit 1`);
    const err = await readLsblk().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FactsUnavailableError);
    expect(err).toMatchObject({ code: 'facts-unavailable', params: { program: 'lsblk' }, message: 'cannot read the disks: lsblk failed (exit code 1)' });
    expectClean((err as Error).message);
  });

  it('output that is not lsblk JSON: facts-unavailable, not a parser message quoting it', async () => {
    lsblk(`echo '${TABLE.slice(0, 60)}'`);
    await expect(readLsblk()).rejects.toMatchObject({ code: 'facts-unavailable', message: 'cannot read the disks: lsblk failed (unreadable output)' });
  });
});

describe('the facts RPC when the disks cannot be read', () => {
  let svc: RunningService;
  let client: Awaited<ReturnType<typeof rpcClient>>;
  const logged: string[] = [];
  beforeAll(async () => {
    const engine = new RealEngine({ cmdline: '', logDir: dir, targetBase: dir, fingerprint: async () => String(Math.random()) });
    svc = await startService({ engine, rendererDir: dir, log: (m) => logged.push(m) });
    client = await rpcClient(svc);
  });
  afterAll(async () => {
    await client?.close();
    await svc?.close();
  });

  it('answers with the code and a one-line message; the service log says the same', async () => {
    lsblk(`echo '${TABLE}'; exit 1`);
    const err = await client.rpc.facts.query({ lang: 'en' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const e = err as TRPCClientError<AppRouter>;
    expect(e.data?.coded).toEqual({ code: 'facts-unavailable', params: { program: 'lsblk' } });
    expectClean(e.message);
    expectClean(JSON.stringify(e.data));
    expect(logged.some((m) => m.includes('lsblk failed (exit code 1)'))).toBe(true);
    for (const m of logged) expectClean(m);
  });
});

describe('any other unexpected error', () => {
  it('reaches a client as its first line, cut short', async () => {
    const engine: EnginePort = {
      facts: async () => {
        throw new Error(`Command failed with exit code 1: some-tool --json\n\n${TABLE}\n${'x'.repeat(500)}`);
      },
      validate: async () => {
        throw new Error(`${'y'.repeat(500)}`);
      },
      plan: async () => ({ ok: false, problems: [], refusals: [] }),
      replan: async () => ({ ok: false, problems: [], refusals: [] }),
      confirm: async () => ({ secrets: [] }),
      install: async () => ({ ok: false, cancelled: false }),
    };
    const svc = await startService({ engine, rendererDir: dir });
    const client = await rpcClient(svc);
    try {
      const facts = await client.rpc.facts.query({ lang: 'en' }).then(() => null, (e: Error) => e);
      expect(facts?.message).toBe('Command failed with exit code 1: some-tool --json');
      const validate = await client.rpc.validate.query({}).then(() => null, (e: Error) => e);
      expect(validate?.message).toBe(`${'y'.repeat(200)}…`);
    } finally {
      await client.close();
      await svc.close();
    }
  });
});
