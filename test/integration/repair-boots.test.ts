// Repairs proven by booting: the Debian fixture is installed once with the engine (gpt-uefi, ext4, from
// the three-layer medium), copied (`cp --sparse=always`), broken in known ways, repaired with the CLI
// (`livekit repair ...`), and booted in QEMU (TCG, OVMF) to a login over the serial console.
//   boot chain: the EFI binary removed + the initramfs deleted + fstab naming a dead UUID for /boot/efi.
//     Each alone stops the boot before a login (no loader; no root without the initramfs; emergency mode
//     waiting for the ESP), so a login proves all three repairs (fstab, then boot).
//   account: alice's password unknown + the root ext4 made dirty with a wrong group free-block count: fsck
//     reports (e2fsck -n exits 4) and repairs (then e2fsck -fn is clean), and alice logs in with the
//     password set by `repair password` from stdin.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, jsonEvents, runCli } from '../helpers/cli.ts';
import { attachImage, makeImage, mountRo, withCleanup, type Attached } from '../helpers/image.ts';
import { loopsBacking, mountPoints } from '../helpers/system-state.ts';
import { bootToLogin, composedLayeredDebian, debianAnswers, debianSysroots, installWithCli } from '../helpers/debian-install.ts';
import type { FoundSystems, InstalledSystem } from '../../electron/engine/rescue/types.ts';

const isRoot = process.getuid?.() === 0;
const GiB = 1024 ** 3;
const PASSWORD = 'first secret 42';
const NEW_PASSWORD = 'brand new 99';
const HOSTNAME = 'lk-repair';
const DEAD_UUID = '0000dead-0000-4000-8000-00000000dead';
const MTOOLS = { MTOOLS_SKIP_CHECK: '1' };
const TIMINGS = process.env.LIVEKIT_BOOT_TIMINGS;
const ARTIFACTS = new URL('../../test-artifacts/repair-boots/', import.meta.url).pathname;

if (!isRoot) console.warn('test/integration/repair-boots: skipped (needs root: loop devices, mounts, chroot, QEMU)');

async function systemOn(loop: Attached): Promise<InstalledSystem> {
  const r = await runCli(['systems', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const sys = (JSON.parse(r.stdout) as FoundSystems).systems.find((s) => s.disk === loop.device);
  expect(sys, `no system found on ${loop.device}`).toBeDefined();
  return sys!;
}

async function repair(args: string[], logs: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(BIN, ['repair', ...args, '--yes', '--json', '--log', join(logs, `repair-${args[0]}.log`)], {
    reject: false,
    env: { LANG: 'C.UTF-8' },
    ...(input !== undefined ? { input } : { stdin: 'ignore' }),
  });
  writeFileSync(join(logs, `repair-${args[0]}.out`), `${r.stdout}\n--- stderr\n${r.stderr}`);
  return { code: r.exitCode ?? 128, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe.skipIf(!isRoot)('broken installed disks are repaired with the CLI and boot to a login in QEMU', () => {
  let work = '';
  let base = '';
  const timings: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-repair-boots-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const sysroots = await debianSysroots();
    const source = await composedLayeredDebian(sysroots, join(work, 'layered-run'));
    try {
      base = join(work, 'base.img');
      await makeImage(base, 4 * GiB);
      const config = join(work, 'answers.yaml');
      writeFileSync(config, debianAnswers({ disk: base, layout: 'gpt-uefi', filesystem: 'ext4', hostname: HOSTNAME, locale: 'en_US.UTF-8', timezone: 'Europe/Berlin', password: PASSWORD }));
      const t0 = Date.now();
      await installWithCli(config, source.args, join(ARTIFACTS, 'install.log'));
      timings.push(`install ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await source.release();
    }
  }, 2_400_000);

  afterAll(() => {
    const line = `repair-boots: ${timings.join(', ')}`;
    console.log(line);
    if (TIMINGS) appendFileSync(TIMINGS, `${line}\n`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function copyOfBase(name: string): Promise<string> {
    const image = join(work, `${name}.img`);
    await execa('cp', ['--sparse=always', base, image]);
    return image;
  }

  it('boot chain: EFI binary removed, initramfs deleted, fstab naming a dead UUID → repair fstab, repair boot → logs in', async () => {
    const logs = join(ARTIFACTS, 'boot-chain');
    mkdirSync(logs, { recursive: true });
    const image = await copyOfBase('boot-chain');
    await withCleanup(async (defer) => {
      const loop = await attachImage(image);
      defer(loop.detach);
      const esp = loop.part(1);
      const root = loop.part(2);
      // Break it.
      await execa('mdeltree', ['-i', esp, '::/EFI/BOOT'], { env: MTOOLS });
      const mnt = join(work, 'mnt');
      mkdirSync(mnt, { recursive: true });
      await execa('mount', [root, mnt]);
      try {
        await execa('sh', ['-c', 'rm -v "$1"/boot/initrd.img-*', 'sh', mnt]);
        const fstab = readFileSync(join(mnt, 'etc/fstab'), 'utf8');
        writeFileSync(join(mnt, 'etc/fstab'), fstab.replace(/^UUID=\S+(\s+\/boot\/efi\s)/m, `UUID=${DEAD_UUID}$1`));
      } finally {
        await execa('umount', [mnt]);
      }
      const broken = await systemOn(loop);
      expect(broken.problems.map((p) => p.code).sort()).toEqual(['fstab-stale', 'no-efi-binary', 'no-initramfs']);
      expect(broken.mounts.find((m) => m.mountpoint === '/boot/efi')?.suggestion?.device).toBe(esp);

      // Boot first is refused: its /boot/efi names no disk.
      const early = await repair(['boot', broken.id], logs);
      expect(early.code).toBe(2);
      expect(early.stdout).toContain('needs-fstab');

      const t0 = Date.now();
      const f = await repair(['fstab', broken.id], logs);
      expect(f.code, f.stderr).toBe(0);
      const b = await repair(['boot', broken.id], logs);
      const failure = jsonEvents(b.stdout).find((e) => e.type === 'error');
      expect(b.code, `repair boot failed: ${JSON.stringify(failure)}`).toBe(0);
      timings.push(`repair fstab + boot ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // The plan it showed: the system's own tools, GRUB at the fallback path (this Live session is not UEFI here).
      const plan = (JSON.parse(b.stdout.split('\n').find((l) => l.includes('"repair-plan"'))!) as { plan: { steps: { actions: { argv?: string[] }[] }[] } }).plan;
      const argvs = plan.steps.flatMap((s) => s.actions.map((a) => a.argv?.join(' ') ?? ''));
      expect(argvs.some((a) => /^update-initramfs -c -k \S+/.test(a))).toBe(true);
      expect(argvs.some((a) => a.startsWith('grub-install --target=x86_64-efi --efi-directory=/boot/efi'))).toBe(true);
      expect(argvs).toContain('grub-mkconfig -o /boot/grub/grub.cfg');

      const fixed = await systemOn(loop);
      expect(fixed.problems).toEqual([]);
      defer(await mountRo(root, join(work, 'check')));
      expect(readFileSync(join(work, 'check/etc/fstab'), 'utf8')).not.toContain(DEAD_UUID);
      expect(readFileSync(join(work, 'check/etc/fstab.before-livekit'), 'utf8')).toContain(DEAD_UUID);
      expect(readFileSync(join(work, 'check/var/log/livekit-repair.log'), 'utf8')).toMatch(/grub-install/);
    });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountPoints().filter((m) => m.includes('livekit-repair-'))).toEqual([]);

    const boot = await bootToLogin({
      image,
      uefi: true,
      varsDir: logs,
      hostname: HOSTNAME,
      user: 'alice',
      password: PASSWORD,
      command: 'echo "LOGIN-OK $(id -un) $(findmnt -n -o SOURCE /boot/efi) $(ls /boot | grep -c initrd.img)"',
      until: /LOGIN-OK alice \S+ \d/,
      logFile: join(logs, 'serial.log'),
    });
    expect(boot.timedOut, `no login; serial log ${join(logs, 'serial.log')}`).toBe(false);
    expect(boot.log).toMatch(/GNU GRUB/);
    expect(boot.log).toMatch(/Loading initial ramdisk/);
    expect(boot.log).toMatch(/LOGIN-OK alice \/dev\/vda1 1/);
    timings.push(`boot chain QEMU to login ${boot.seconds.toFixed(1)} s`);
  }, 1_500_000);

  it('account: password unknown and ext4 dirty → repair fsck (report, then repair), repair password (stdin) → logs in with the new one', async () => {
    const logs = join(ARTIFACTS, 'account');
    mkdirSync(logs, { recursive: true });
    const image = await copyOfBase('account');
    await withCleanup(async (defer) => {
      const loop = await attachImage(image);
      defer(loop.detach);
      const root = loop.part(2);
      const mnt = join(work, 'mnt2');
      mkdirSync(mnt, { recursive: true });
      await execa('mount', [root, mnt]);
      try {
        // Nobody knows alice's password any more.
        const unknown = (await execa('openssl', ['passwd', '-6', `forgotten-${Date.now()}`])).stdout.trim();
        const shadow = readFileSync(join(mnt, 'etc/shadow'), 'utf8');
        writeFileSync(join(mnt, 'etc/shadow'), shadow.replace(/^alice:[^:]*:/m, `alice:${unknown}:`));
      } finally {
        await execa('umount', [mnt]);
      }
      await execa('debugfs', ['-w', '-R', 'ssv state 0', root]);
      // A wrong free-block count in group 0 (its checksum recomputed, so it still mounts): e2fsck's pass 5 finds it.
      await execa('debugfs', ['-w', '-R', 'set_bg 0 free_blocks_count 7', root]);
      await execa('debugfs', ['-w', '-R', 'set_bg 0 checksum calc', root]);
      expect((await execa('e2fsck', ['-f', '-n', root], { reject: false })).exitCode, 'the ext4 is really broken').toBe(4);

      const sys = await systemOn(loop);
      const t0 = Date.now();
      const f = await repair(['fsck', sys.id], logs);
      expect(f.code, f.stderr).toBe(0);
      const report = JSON.parse(f.stdout.split('\n').find((l) => l.includes('"fsck-report"'))!) as { results: { device: string; clean: boolean; exitCode: number; output: string }[] };
      const r = report.results.find((x) => x.device === root)!;
      expect(r).toMatchObject({ clean: false, exitCode: 4 });
      expect(r.output).toMatch(/Free blocks count wrong for group #0/);
      expect((await execa('e2fsck', ['-f', '-n', root], { reject: false })).exitCode, 'clean after the repair').toBe(0);

      const p = await repair(['password', sys.id, 'alice'], logs, `${NEW_PASSWORD}\n`);
      expect(p.code, p.stderr).toBe(0);
      timings.push(`repair fsck + password ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // Never in the output or the logs.
      for (const text of [p.stdout, p.stderr, readFileSync(join(logs, 'repair-password.log'), 'utf8')]) expect(text).not.toContain(NEW_PASSWORD);
    });
    expect(await loopsBacking([image])).toEqual([]);

    const boot = await bootToLogin({
      image,
      uefi: true,
      varsDir: logs,
      hostname: HOSTNAME,
      user: 'alice',
      password: NEW_PASSWORD,
      command: 'echo "LOGIN-OK $(id -un)"',
      until: /LOGIN-OK alice/,
      logFile: join(logs, 'serial.log'),
    });
    expect(boot.timedOut, `no login with the new password; serial log ${join(logs, 'serial.log')}`).toBe(false);
    timings.push(`account QEMU to login ${boot.seconds.toFixed(1)} s`);
  }, 1_500_000);
});
