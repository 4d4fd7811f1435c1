// A password with a line break, a carriage return or a NUL is refused before anything is written, by the
// install and by the repair, over the service (`livekit serve --demo`: tRPC over its real WebSocket, the
// real engine, a system the engine installed into a loop-attached image) and over the CLI
// (`livekit repair password`): the installed system's /etc/shadow stays byte-identical. Before issue 21,
// `repair{password: "Newpass-1\nroot:Pwned-99"}` gave root a password through chpasswd's second line.
import { mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_INSTALLED } from '../../electron/engine/service/demo.ts';
import { rpcClient, serve, type Served } from '../e2e/serve.ts';
import { BIN } from '../helpers/cli.ts';
import { passwordVerifies } from '../helpers/verify.ts';

const isRoot = process.getuid?.() === 0;

/** Each one smuggles a second account line (`root:...`) past the password field, or cuts it short. */
const INJECTED: [name: string, password: string][] = [
  ['a line break', 'Newpass-1\nroot:Pwned-99'],
  ['a carriage return', 'Newpass-1\rroot:Pwned-99'],
  ['a NUL', 'Newpass-1\u0000root:Pwned-99'],
];

/** /etc/shadow on the installed system's root partition, byte for byte (latin1), from a read-only mount. */
async function shadowOf(rootPartition: string): Promise<string> {
  const mnt = mkdtempSync(join(tmpdir(), 'lk-injection-check-'));
  try {
    await execa('mount', ['-o', 'ro,noload', rootPartition, mnt]);
    try {
      return readFileSync(join(mnt, 'etc/shadow')).toString('latin1');
    } finally {
      await execa('umount', [mnt]);
    }
  } finally {
    rmdirSync(mnt);
  }
}

/** The shadow hash of `user` in a shadow file's text. */
const hashOf = (shadow: string, user: string) => shadow.split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[1] ?? '';

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!isRoot)('passwords with \\n, \\r or NUL are refused, /etc/shadow unchanged (needs root: the demo installs into a loop-attached image)', () => {
  let svc: Served;
  let client: Awaited<ReturnType<typeof rpcClient>>;
  let loop = '';
  const rootPartition = () => `${loop}p2`;
  const systemId = () => `${loop.slice('/dev/'.length)}p2`;

  beforeAll(async () => {
    svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
    client = await rpcClient(svc);
    loop = /installed on (\/dev\/loop\d+)/.exec(svc.stderr())?.[1] ?? '';
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    await svc?.stop();
  });

  it('the demo installed a system with a shadow file to compare', async () => {
    expect(loop).toMatch(/^\/dev\/loop\d+$/);
    expect(await shadowOf(rootPartition())).toContain(`${DEMO_INSTALLED.user}:$`);
  });

  it.each(INJECTED)('service repair: a password with %s is refused before anything runs', async (_name, password) => {
    const before = await shadowOf(rootPartition());
    const planned = await client.rpc.planRepair.mutate({ system: systemId(), repair: 'password', user: DEMO_INSTALLED.user });
    if (!planned.ok) throw new Error(`the password repair could not be planned: ${JSON.stringify(planned)}`);
    const refused = await client.rpc.repair.mutate({ planId: planned.planId, password }).then(
      () => null,
      (e: unknown) => e as { data?: { code?: string; coded?: { code: string } | null } },
    );
    // Whatever happened, the repair is over before the disk is read again.
    await until(() => client.rpc.repairState.query(), (s) => !s.running, 120_000);
    expect(await shadowOf(rootPartition())).toBe(before);
    expect(refused?.data?.code).toBe('BAD_REQUEST');
    expect(refused?.data?.coded?.code).toBe('validation:user.password-chars');
  }, 150_000);

  it.each(INJECTED)('service install: a password with %s is refused by validation', async (_name, password) => {
    const facts = await client.rpc.facts.query({ lang: 'en' });
    const variant = facts.sysroots.find((s) => s.installable)!.name;
    const answers = {
      version: 1,
      variant,
      target: { disk: join(svc.demoDir, 'demo-disk-a.img'), layout: 'gpt-bios', filesystem: 'ext4', swap: 'none' },
      hostname: 'injection-test',
      user: { name: 'alice', password },
      root: { password },
      bootloader: 'none',
    };
    const r = await client.rpc.plan.mutate(answers);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems.map((p) => `${p.path} ${p.code}`);
    expect(problems).toEqual(expect.arrayContaining(['user.password user.password-chars', 'root.password user.password-chars']));
  });

  it.each(INJECTED)('CLI repair password: a password with %s on stdin is refused (exit 2)', async (_name, password) => {
    const before = await shadowOf(rootPartition());
    const r = await execa(BIN, ['repair', 'password', systemId(), DEMO_INSTALLED.user, '--yes'], {
      reject: false,
      input: `${password}\n`,
      env: { LANG: 'C.UTF-8' },
      timeout: 120_000,
    });
    expect(await shadowOf(rootPartition())).toBe(before);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/control characters/);
  }, 150_000);

  // The same paths with a good password do reach chpasswd: the refusals above are the rule's, not a miss.
  it('service repair and CLI repair with a good password set it, and leave root as it was', async () => {
    const before = await shadowOf(rootPartition());
    const planned = await client.rpc.planRepair.mutate({ system: systemId(), repair: 'password', user: DEMO_INSTALLED.user });
    if (!planned.ok) throw new Error(JSON.stringify(planned));
    await client.rpc.repair.mutate({ planId: planned.planId, password: 'Service-Reset-1' });
    const s = await until(() => client.rpc.repairState.query(), (st) => !st.running && st.state.phase !== 'idle', 120_000);
    expect(s.state.phase).toBe('done');
    const afterService = await shadowOf(rootPartition());
    expect(await passwordVerifies('Service-Reset-1', hashOf(afterService, DEMO_INSTALLED.user))).toBe(true);
    expect(hashOf(afterService, 'root')).toBe(hashOf(before, 'root'));

    const r = await execa(BIN, ['repair', 'password', systemId(), DEMO_INSTALLED.user, '--yes'], { reject: false, input: 'Cli-Reset-2\n', env: { LANG: 'C.UTF-8' }, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const afterCli = await shadowOf(rootPartition());
    expect(await passwordVerifies('Cli-Reset-2', hashOf(afterCli, DEMO_INSTALLED.user))).toBe(true);
    expect(hashOf(afterCli, 'root')).toBe(hashOf(before, 'root'));
  }, 300_000);

  it('the service is still up, and never logged a password', async () => {
    expect((await client.rpc.repairState.query()).running).toBe(false);
    for (const [, password] of INJECTED) expect(svc.stderr()).not.toContain(password);
    expect(svc.stderr()).not.toMatch(/uncaught|unhandled/i);
  });
});
