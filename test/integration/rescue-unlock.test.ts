// A locked (LUKS2) system on a real loop-device disk (test/helpers/rescue-disk.ts: an ext4 root with its own
// chpasswd inside the container, crypttab naming it luks-<uuid>, a plain /boot and the ESP beside it):
// `livekit systems` lists it locked; mount, shell and repair unlock it with the passphrase on stdin (its
// first line; a repair's new password follows); a wrong passphrase is exit 2 with nothing opened; every end
// (done, failed, SIGTERM, and SIGKILL followed by `livekit cleanup`) leaves no mapping, loop device or mount
// behind (`dmsetup ls`, `losetup -a`, /proc/mounts). The passphrase never reaches argv, plans, logs or events.
// The same over the service's real WebSocket with the real engine: unlock, plan, repair, the passphrase
// only in the calls that need it.
// Needs root and a kernel with dm-crypt: where this machine's has none, test/boot/rescue-unlock-vm.test.ts
// runs this file in a QEMU guest whose kernel has it.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { mountPoints } from '../helpers/system-state.ts';
import { buildRescueDisk, deviceMapperReady, ENCRYPTED_NAME, LUKS_PASSPHRASE, UUIDS, type RescueDisk } from '../helpers/rescue-disk.ts';
import { passwordVerifies } from '../helpers/verify.ts';
import type { SystemsJson } from '../../electron/cli/render-rescue.ts';
import { RealRescue } from '../../electron/engine/service/rescue.ts';
import { startService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { ServiceMessage } from '../../electron/shared/service.ts';
import { rpcClient } from '../e2e/serve.ts';

const isRoot = process.getuid?.() === 0;
const dm = isRoot && (await deviceMapperReady());
if (!isRoot) console.warn('test/integration/rescue-unlock: skipped (needs root: loop devices, LUKS, mounts, chroot)');
else if (!dm) console.warn('test/integration/rescue-unlock: skipped here (this kernel has no device-mapper/dm-crypt); test/boot/rescue-unlock-vm.test.ts runs it in a guest that has');

const MAPPING = `luks-${UUIDS.luks}`;
const NEW_PASSWORD = 'New-Pass-1';
const systemsDir = (id: string) => `/run/livekit/systems/${id}`;

/** Device-mapper devices now, as `dmsetup ls` names them ("No devices found" when there are none). */
async function mappings(): Promise<string[]> {
  const r = await execa('dmsetup', ['ls'], { reject: false });
  return String(r.stdout).split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n && n !== 'No');
}

/** Everything a run could leave open: mappings, loop devices, mounts of ours. */
async function openNow(): Promise<{ mappings: string[]; loops: string[]; mounts: string[] }> {
  const loops = String((await execa('losetup', ['-a'])).stdout).split('\n').filter(Boolean).map((l) => l.split(':')[0]!).sort();
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => /\/run\/livekit\/systems|livekit-repair-|livekit-probe-/.test(m));
  return { mappings: await mappings(), loops, mounts };
}

/** Runs the CLI with `input` on stdin (the passphrase's line first). */
function cli(args: string[], input: string, env: Record<string, string> = {}): ResultPromise {
  return execa(BIN, args, { reject: false, input, env: { LANG: 'C.UTF-8', ...env }, timeout: 180_000 });
}

/** Opens the container read-only ourselves and reads the encrypted root: files' digests and /etc/shadow. */
async function readInside(device: string): Promise<{ digests: Map<string, string>; shadow: string }> {
  const name = `lk-unlock-check-${process.pid}`;
  const mnt = mkdtempSync(join(tmpdir(), 'lk-unlock-check-'));
  await execa('cryptsetup', ['open', '--readonly', '--type', 'luks2', '--key-file=-', device, name], { input: LUKS_PASSPHRASE });
  try {
    await execa('mount', ['-o', 'ro,noload', `/dev/mapper/${name}`, mnt]);
    try {
      const digests = new Map<string, string>();
      const walk = (dir: string) => {
        for (const n of readdirSync(dir)) {
          const p = join(dir, n);
          const st = statSync(p, { throwIfNoEntry: false });
          if (st?.isDirectory()) walk(p);
          else if (st?.isFile()) digests.set(relative(mnt, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
        }
      };
      walk(mnt);
      return { digests, shadow: readFileSync(join(mnt, 'etc/shadow'), 'utf8') };
    } finally {
      await execa('umount', [mnt]);
    }
  } finally {
    await execa('cryptsetup', ['close', name]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

const hashOf = (shadow: string, user: string) => shadow.split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[1] ?? '';
const lineOf = (shadow: string, user: string) => shadow.split('\n').find((l) => l.startsWith(`${user}:`));

/** Waits for `re` in the child's stdout, then returns what it printed so far. */
async function until(child: ResultPromise, re: RegExp, ms = 120_000): Promise<string> {
  let out = '';
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${out.slice(-2000)}`)), ms);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (re.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await seen;
  return out;
}

describe.skipIf(!dm)('a locked (LUKS) system: listed locked, unlocked with its passphrase on stdin, nothing left open (needs root and dm-crypt)', () => {
  let work = '';
  let disk: RescueDisk;
  let id = '';
  let baseline: Awaited<ReturnType<typeof openNow>>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-unlock-'));
    disk = await buildRescueDisk(work);
    id = disk.luks.replace('/dev/', '');
    baseline = await openNow();
  }, 180_000);

  afterAll(async () => {
    if (id && mountPoints().some((m) => m.startsWith(systemsDir(id)))) await runCli(['unmount', id]);
    for (const m of await mappings()) if (m === MAPPING || m.startsWith('livekit-')) await execa('cryptsetup', ['close', m], { reject: false });
    await disk?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the disk holds the encrypted system, and nothing is open before the tests', () => {
    expect(disk.encrypted).toBe(true);
    expect(baseline.mappings).toEqual([]);
    expect(baseline.mounts).toEqual([]);
  });

  it('systems --json lists it as a locked system (id, disk, LUKS UUID); the text says how to unlock it; nothing is opened', async () => {
    const r = await runCli(['systems', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as SystemsJson;
    const locked = json.systems.find((s) => s.id === id);
    expect(locked).toEqual({ id, locked: true, device: disk.luks, disk: disk.loop.device, luks: { uuid: UUIDS.luks }, sizeBytes: 48 * 1024 * 1024, refusals: [] });
    // The other systems are there too, unlocked; LUKS is no longer among the volumes "not repairable here".
    expect(json.systems.find((s) => s.id === disk.ext4.replace('/dev/', ''))).toMatchObject({ locked: false, name: 'Debian GNU/Linux 12 (bookworm)' });
    expect(json.others.some((o) => o.device === disk.luks)).toBe(false);
    const text = await runCli(['systems']);
    expect(text.stdout).toMatch(new RegExp(`${id}\\s+encrypted \\(LUKS\\), locked\\s+\\(on ${disk.loop.device}, LUKS UUID ${UUIDS.luks}\\)`));
    expect(text.stdout).toContain(`\`livekit mount|shell|repair … ${id}\` ask for its passphrase`);
    expect(await openNow()).toEqual(baseline);
  }, 60_000);

  it('a wrong passphrase is refused (exit 2, translated), with nothing opened, by mount, shell and repair alike', async () => {
    for (const args of [['mount', id], ['shell', id], ['repair', 'password', id, 'alice', '--yes']]) {
      const r = await cli(args, 'not the passphrase\nNew-Pass-9\n');
      expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).toBe(2);
      expect(String(r.stderr)).toContain(`The passphrase does not unlock ${disk.luks}; nothing was opened`);
      expect(await openNow()).toEqual(baseline);
    }
    const zh = await cli(['mount', id], 'not the passphrase\n', { LANG: 'zh_CN.UTF-8' });
    expect(zh.exitCode).toBe(2);
    expect(String(zh.stderr)).toContain(`该密码无法解锁 ${disk.luks}`);
    // No passphrase at all (stdin empty): said, exit 2.
    const none = await cli(['mount', id], '');
    expect(none.exitCode).toBe(2);
    expect(String(none.stderr)).toMatch(/No passphrase for/);
    expect(await openNow()).toEqual(baseline);
  }, 240_000);

  it('repair password: the passphrase, then the new password on stdin, changes alice\'s shadow entry inside the encrypted root and nothing else; the plan opens the container first; no secret anywhere', async () => {
    const before = await readInside(disk.luks);
    const log = join(work, 'password.log');
    const r = await cli(['repair', 'password', id, 'alice', '--yes', '--json', '--log', log], `${LUKS_PASSPHRASE}\n${NEW_PASSWORD}\n`);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const events = String(r.stdout).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; plan?: { steps: { id: string; actions: { kind: string; name?: string; device?: string }[] }[]; partitions: unknown[] } });
    const plan = events.find((e) => e.type === 'repair-plan')!.plan!;
    expect(plan.steps.map((s) => s.id)).toEqual(['unlock', 'mount', 'password', 'log', 'unmount']);
    expect(plan.steps[0]!.actions).toEqual([{ kind: 'open-luks', device: disk.luks, name: MAPPING, secret: 'encryption.passphrase', type: 'luks' }]);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
    for (const text of [String(r.stdout), String(r.stderr), readFileSync(log, 'utf8')]) {
      expect(text).not.toContain(LUKS_PASSPHRASE);
      expect(text).not.toContain(NEW_PASSWORD);
    }
    expect(await openNow()).toEqual(baseline);

    const after = await readInside(disk.luks);
    expect(await passwordVerifies(NEW_PASSWORD, hashOf(after.shadow, 'alice'))).toBe(true);
    expect(hashOf(after.shadow, 'alice')).toMatch(/^\$6\$/);
    expect(lineOf(after.shadow, 'root')).toBe(lineOf(before.shadow, 'root'));
    expect(lineOf(after.shadow, 'svc')).toBe(lineOf(before.shadow, 'svc'));
    // Every other file inside is byte-identical; the repair's log was copied in.
    const changed = [...new Set([...before.digests.keys(), ...after.digests.keys()])].filter((f) => before.digests.get(f) !== after.digests.get(f)).sort();
    expect(changed).toEqual(['etc/shadow', 'var/log/livekit-repair.log']);
    expect(readFileSync(log, 'utf8')).toContain(`opened ${disk.luks} as /dev/mapper/${MAPPING}`);
  }, 240_000);

  it('repair fsck: checked through the container opened read-only (under the plan\'s name), clean: nothing to fix, nothing left open', async () => {
    const r = await cli(['repair', 'fsck', id, '--yes'], `${LUKS_PASSPHRASE}\n`);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`/dev/mapper/${MAPPING} (/, ext4): clean`);
    expect(String(r.stdout)).toContain(`${disk.boot} (/boot, ext4): clean`);
    expect(await openNow()).toEqual(baseline);
  }, 120_000);

  it('mount leaves the system mounted (its /boot beside it) with the container open; a shell there; unmount unmounts and closes it', async () => {
    const dir = systemsDir(id);
    const m = await cli(['mount', id], `${LUKS_PASSPHRASE}\n`);
    expect(m.exitCode, String(m.stderr)).toBe(0);
    expect(String(m.stdout)).toContain(`its container open as /dev/mapper/${MAPPING}`);
    expect(await mappings()).toEqual([MAPPING]);
    const mounted = mountPoints().filter((p) => p === dir || p.startsWith(`${dir}/`));
    for (const sub of ['', '/boot', '/dev', '/proc', '/sys', '/run']) expect(mounted).toContain(`${dir}${sub}`);
    expect(readFileSync(join(dir, 'etc/os-release'), 'utf8')).toContain(ENCRYPTED_NAME);
    expect(existsSync(join(dir, 'boot/vmlinuz-6.1.0-test'))).toBe(true);
    // Mounted: listed in use, not locked; a shell on it needs no passphrase.
    const listed = JSON.parse((await runCli(['systems', '--json'])).stdout) as SystemsJson;
    expect(listed.systems.some((s) => s.id === id)).toBe(false);
    expect(listed.others.find((o) => o.device === disk.luks)).toMatchObject({ kind: 'in-use' });
    const sh = await cli(['shell', id], 'cat /etc/os-release\n');
    expect(sh.exitCode, String(sh.stderr)).toBe(0);
    expect(String(sh.stdout)).toContain(ENCRYPTED_NAME);
    expect(await mappings()).toEqual([MAPPING]);

    const u = await runCli(['unmount', id]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain(`Closed the encrypted container /dev/mapper/${MAPPING}`);
    expect(await openNow()).toEqual(baseline);
  }, 180_000);

  it('shell on the locked system: stdin\'s first line is the passphrase, the rest is the shell\'s input; closed with the rest after', async () => {
    const sh = await cli(['shell', id], `${LUKS_PASSPHRASE}\necho "IN=$LIVEKIT_SYSTEM"; grep -c . /etc/crypttab\nexit 5\n`);
    expect(sh.exitCode, String(sh.stderr)).toBe(5);
    expect(String(sh.stdout)).toContain(`IN=${id}`);
    expect(String(sh.stderr)).toContain(`Unlocked ${disk.luks}: ${ENCRYPTED_NAME}`);
    expect(await openNow()).toEqual(baseline);
  }, 120_000);

  it('SIGTERM during a repair, with the container open: cancelled (130), everything released and the container closed', async () => {
    const before = await readInside(disk.luks);
    const child = cli(['repair', 'password', id, 'alice', '--yes', '--json'], `${LUKS_PASSPHRASE}\nTerm-Pass-3\n`);
    await until(child, /"type":"step","step":"unlock"[^\n]*"state":"done"/);
    expect(await mappings()).toContain(MAPPING);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(await openNow()).toEqual(baseline);
    // Whether chpasswd ran before the signal or not, nothing else changed.
    const after = await readInside(disk.luks);
    expect(lineOf(after.shadow, 'root')).toBe(lineOf(before.shadow, 'root'));
  }, 180_000);

  it('SIGKILL during a repair leaves the mapping in its journal: the next livekit cleanup closes it', async () => {
    const child = cli(['repair', 'password', id, 'alice', '--yes', '--json'], `${LUKS_PASSPHRASE}\nKill-Pass-4\n`);
    await until(child, /"type":"step","step":"unlock"[^\n]*"state":"done"/);
    child.kill('SIGKILL');
    await child;
    expect(await mappings()).toContain(MAPPING);
    const journals = readdirSync('/run/livekit/held').map((f) => readFileSync(join('/run/livekit/held', f), 'utf8'));
    expect(journals.some((j) => j.includes(`"name":"${MAPPING}"`))).toBe(true);
    const c = await runCli(['cleanup', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(await openNow()).toEqual(baseline);
  }, 180_000);

  it('over the service (real engine, real WebSocket): locked in the list, a wrong passphrase refused, unlock shows the system inside, plan and repair with the passphrase set the password; no secret in events, plans or logs; nothing open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-unlock-svc-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const engine = { facts: async () => { throw new Error('not used'); } } as unknown as EnginePort;
    const rescue = new RealRescue({ cmdline: '', disks: (m) => m.disks.filter((d) => d.path === disk.loop.device), logDir: dir, targetBase: dir });
    const svc = await startService({ engine, rendererDir: dir, rescue });
    const client = await rpcClient(svc);
    const password = 'Svc-Pass-2';
    try {
      const list = await client.rpc.systems.query();
      expect(list.locked).toEqual([{ id, device: disk.luks, disk: disk.loop.device, luks: { uuid: UUIDS.luks }, sizeBytes: 48 * 1024 * 1024, refusals: [], diskBytes: 900 * 1024 * 1024 }]);
      const coded = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e as { data?: { code?: string; coded?: { code: string } | null } }).data);
      expect(await coded(client.rpc.unlock.mutate({ system: id, passphrase: 'not the passphrase' }))).toMatchObject({ code: 'BAD_REQUEST', coded: { code: 'wrong-passphrase' } });
      expect(await openNow()).toEqual(baseline);

      const inside = await client.rpc.unlock.mutate({ system: id, passphrase: LUKS_PASSPHRASE });
      expect(inside).toMatchObject({ id, name: ENCRYPTED_NAME, disk: disk.loop.device, root: { device: `/dev/mapper/${MAPPING}`, fstype: 'ext4' }, users: ['alice'], encrypted: { device: disk.luks }, refusals: [] });
      expect(await openNow()).toEqual(baseline);
      expect(await coded(client.rpc.planRepair.mutate({ system: id, repair: 'password', user: 'alice' }))).toMatchObject({ code: 'BAD_REQUEST', coded: { code: 'passphrase-needed' } });

      const fsck = await client.rpc.planRepair.mutate({ system: id, repair: 'fsck', passphrase: LUKS_PASSPHRASE });
      expect(fsck).toMatchObject({ ok: false, problems: [{ code: 'nothing-to-fix' }] });
      // The root through the container (opened read-only meanwhile), the /boot and the ESP beside it.
      expect(fsck.fsck?.map((f) => [f.device, f.clean])).toEqual([[`/dev/mapper/${MAPPING}`, true], [disk.boot, true], [disk.esp, true]]);

      const planned = await client.rpc.planRepair.mutate({ system: id, repair: 'password', user: 'alice', passphrase: LUKS_PASSPHRASE });
      if (!planned.ok) throw new Error(JSON.stringify(planned));
      expect(planned.plan.steps[0]!.actions).toEqual([{ kind: 'open-luks', device: disk.luks, name: MAPPING, secret: 'encryption.passphrase', type: 'luks' }]);
      expect(await openNow()).toEqual(baseline);

      const seen: ServiceMessage[] = [];
      const sub = client.rpc.repairEvents.subscribe(undefined, { onData: (m) => seen.push(m as ServiceMessage) });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await client.rpc.repair.mutate({ planId: planned.planId, password, passphrase: LUKS_PASSPHRASE });
      await svc.repairs!.current;
      for (let i = 0; i < 100 && !seen.some((m) => m.type === 'event' && m.event.type === 'done'); i++) await new Promise((r) => setTimeout(r, 50));
      sub.unsubscribe();
      const state = await client.rpc.repairState.query();
      expect(state.state.phase, JSON.stringify(state.state.error)).toBe('done');
      expect(state.state.steps.map((s) => s.id)).toEqual(['unlock', 'mount', 'password', 'log', 'unmount']);
      const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      expect(logs).toContain(`opened ${disk.luks} as /dev/mapper/${MAPPING}`);
      for (const text of [JSON.stringify(seen), JSON.stringify(state), JSON.stringify(planned), logs]) {
        expect(text).not.toContain(LUKS_PASSPHRASE);
        expect(text).not.toContain(password);
      }
      expect(await openNow()).toEqual(baseline);
      expect(await passwordVerifies(password, hashOf((await readInside(disk.luks)).shadow, 'alice'))).toBe(true);
    } finally {
      await client.close();
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
