// Installs through the real service (`livekit serve --demo`, tRPC over its WebSocket, the real engine,
// loop-attached demo images) with passwords that are JSON words, keys, numbers and punctuation: each
// install completes, or validation refuses it naming the password's problem; the service stays up, the
// password never reaches a client, and nothing is left mounted or attached.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcClient, serve, type Served } from '../e2e/serve.ts';
import type { InstallState } from '../../electron/api.ts';

const isRoot = process.getuid?.() === 0;

/** Mount points under `dir` (the demo's temp dir) other than the demo medium's own composition. */
function mountsUnder(dir: string, except: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`) && !m.startsWith(`${except}/`) && m !== except);
}

async function loopsOf(file: string): Promise<string> {
  return (await execa('losetup', ['-j', file], { reject: false })).stdout.trim();
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const COMPLETES = ['progress', 'true', 'type', '32768'];
const TOO_SHORT = ['1', '"', '\\', '{}'];

describe.skipIf(!isRoot)('installing through the service with any password (needs root: the demo mounts and attaches loop devices)', () => {
  let svc: Served;
  let client: Awaited<ReturnType<typeof rpcClient>>;
  let variant: string;
  const image = () => join(svc.demoDir, 'demo-disk-a.img');
  const answers = (password: string) => ({
    version: 1,
    variant,
    target: { disk: image(), layout: 'gpt-bios', filesystem: 'ext4', swap: 'none' },
    hostname: 'pw-test',
    locale: 'en_US.UTF-8',
    timezone: 'UTC',
    rtc: 'utc',
    user: { name: 'alice', password },
    bootloader: 'none',
  });

  beforeAll(async () => {
    svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
    client = await rpcClient(svc);
    const facts = await client.rpc.facts.query({ lang: 'en' });
    variant = facts.sysroots.find((s) => s.installable)!.name;
  });
  afterAll(async () => {
    await client?.close();
    await svc?.stop();
  });

  it.each(TOO_SHORT)('password %j is refused by validation, naming the password', async (password) => {
    const r = await client.rpc.plan.mutate(answers(password));
    expect(r).toMatchObject({ ok: false, problems: [{ path: 'user.password', code: 'user.password-short' }] });
  });

  it.each(COMPLETES)('password %j installs to the end and the service stays up', async (password) => {
    const planned = await client.rpc.plan.mutate(answers(password));
    if (!planned.ok) throw new Error(JSON.stringify(planned.problems));
    expect(await client.rpc.install.mutate({ planId: planned.planId })).toEqual({ started: true, planId: planned.planId });
    const s: InstallState = await until(
      () => client.rpc.state.query(),
      (st) => st.phase !== 'running' && st.phase !== 'idle',
      300_000,
    );
    expect(s.error).toBeNull();
    expect(s.phase).toBe('done');
    expect(s.percent).toBe(100);
    expect(s.steps.every((st) => st.state === 'done')).toBe(true);
    expect(s.log.join('\n')).not.toContain(`:${password}`); // chpasswd's input never reaches the log
    // Nothing of this install is left behind.
    expect(mountsUnder(svc.demoDir, join(svc.demoDir, 'run'))).toEqual([]);
    expect(await loopsOf(image())).toBe('');
  }, 320_000);

  it('the service is still up and answers', async () => {
    expect((await client.rpc.state.query()).phase).toBe('done');
    expect(svc.stderr()).not.toMatch(/uncaught|unhandled/i);
  });
});
