// `livekit systems`, `mount`, `shell` and `unmount` against real loop-device disks: one holding several
// systems (ext4 UEFI, btrfs with @/@home, LUKS listed locked, NTFS, squashfs), one holding the Live medium. Probing
// changes no byte and leaves nothing mounted; mount binds what a chroot needs; the shell has the system's
// PATH and a prompt naming it; SIGTERM to a shell releases everything it mounted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { attachImage, makeImage, sha256File, type Attached } from '../helpers/image.ts';
import { mountPoints } from '../helpers/system-state.ts';
import { buildRescueDisk, HAS_CRYPTSETUP, HAS_NTFS, MiB, UUIDS, writeBusyboxRoot, type RescueDisk } from '../helpers/rescue-disk.ts';
import type { SystemsJson } from '../../electron/cli/render-rescue.ts';
import type { InstalledSystem } from '../../electron/engine/rescue/types.ts';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('test/integration/rescue-systems: skipped (needs root: loop devices, mkfs, mounts, chroot)');
if (isRoot && !HAS_NTFS) console.warn('test/integration/rescue-systems: mkfs.ntfs missing (ntfs-3g): the NTFS volume is not made (scripts/host-deps installs it)');

const systemsDir = (id: string) => `/run/livekit/systems/${id}`;
const under = (dir: string) => mountPoints().filter((m) => m === dir || m.startsWith(`${dir}/`));
const probeLeftovers = () => [...mountPoints().filter((m) => m.includes('livekit-probe-')), ...readdirSync(tmpdir()).filter((n) => n.startsWith('livekit-probe-'))];

describe.skipIf(!isRoot)('livekit systems / mount / shell / unmount on real disks', () => {
  let work = '';
  let disk: RescueDisk;
  let medium: Attached;
  let mediumDir = '';
  let found: SystemsJson;
  let ext4Id = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-rescue-'));
    disk = await buildRescueDisk(work);
    ext4Id = disk.ext4.replace('/dev/', '');
    // The Live medium's disk: it even holds an os-release, and must still never be offered.
    const img = join(work, 'medium.img');
    await makeImage(img, 64 * MiB);
    const tree = join(work, 'medium-tree');
    writeBusyboxRoot(tree, { prettyName: 'LiveKit Live', id: 'livekit', fstab: '' });
    mkdirSync(join(tree, 'livekit'));
    await execa('sfdisk', ['-q', img], { input: 'label: gpt\n,,L\n' });
    medium = await attachImage(img);
    await execa('mkfs.ext4', ['-q', '-F', '-d', tree, medium.part(1)]);
    mediumDir = join(work, 'medium');
    mkdirSync(mediumDir);
    await execa('mount', ['-o', 'ro', medium.part(1), mediumDir]);
  }, 120_000);

  afterAll(async () => {
    for (const id of [ext4Id]) if (id && under(systemsDir(id)).length) await runCli(['unmount', id]);
    if (mediumDir) await execa('umount', [mediumDir], { reject: false });
    await medium?.detach();
    await disk?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists each system with its name, root, fstab, GRUB and problems, the other volumes with why, the medium as the medium; changes nothing', async () => {
    const before = await sha256File(disk.ext4);
    const t0 = Date.now();
    const r = await runCli(['systems', '--json', '--medium', mediumDir]);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    found = JSON.parse(r.stdout) as SystemsJson;
    console.log(`livekit systems --json: ${seconds.toFixed(2)} s`);
    const ours = found.systems.filter((s): s is InstalledSystem & { locked: false } => s.disk === disk.loop.device && !s.locked);
    expect(ours.map((s) => s.name).sort()).toEqual(['Debian GNU/Linux 12 (bookworm)', 'openSUSE Tumbleweed']);

    const deb = ours.find((s) => s.root.fstype === 'ext4')!;
    expect(deb.id).toBe(ext4Id);
    expect(deb.root).toMatchObject({ device: disk.ext4, uuid: UUIDS.ext4 });
    expect(deb.firmware).toBe('uefi');
    expect(deb.mounts.find((m) => m.mountpoint === '/boot/efi')).toMatchObject({ device: disk.esp, stale: false });
    expect(deb.grub).toMatchObject({ tool: 'grub', config: true, efiBinary: true });
    expect(deb.grub.platforms).toEqual(['i386-pc', 'x86_64-efi']);
    expect(deb.kernels).toEqual(['6.1.0-test']);
    expect(deb.initramfs).toEqual(['initrd.img-6.1.0-test']);
    expect(deb.initramfsTool).toBe('update-initramfs');
    expect(deb.users).toEqual(['alice']);
    expect(deb.problems).toEqual([{ code: 'fstab-stale', params: { mountpoint: '/data', spec: `UUID=${UUIDS.dead}` } }]);
    expect(deb.refusals).toEqual([]);

    const suse = ours.find((s) => s.root.fstype === 'btrfs')!;
    expect(suse.root).toMatchObject({ device: disk.btrfs, subvol: '@' });
    expect(suse.firmware).toBe('bios');
    expect(suse.mounts.find((m) => m.mountpoint === '/home')).toMatchObject({ device: disk.btrfs, options: ['subvol=@home'], stale: false });
    expect(suse.problems.map((p) => p.code).sort()).toEqual(['no-bios-boot-code', 'no-initramfs']);

    const others = found.others.filter((o) => o.disk === disk.loop.device);
    const kindOf = (dev: string) => others.find((o) => o.device === dev)?.kind;
    // LUKS: a locked system, never opened by the listing.
    if (HAS_CRYPTSETUP) expect(found.systems.find((s) => s.id === disk.luks.replace('/dev/', ''))).toMatchObject({ locked: true, device: disk.luks, disk: disk.loop.device, luks: { uuid: UUIDS.luks } });
    if (HAS_CRYPTSETUP) expect(kindOf(disk.luks)).toBeUndefined();
    if (HAS_NTFS) expect(others.find((o) => o.device === disk.ntfs)).toMatchObject({ kind: 'windows', detail: 'ntfs' });
    expect(kindOf(disk.squash)).toBe('unknown');
    // The medium's disk: named once, as the medium, and none of its systems offered.
    expect(found.others.filter((o) => o.disk === medium.device)).toEqual([{ kind: 'live-medium', device: medium.device, disk: medium.device }]);
    expect(found.systems.some((s) => s.disk === medium.device)).toBe(false);

    expect(probeLeftovers(), 'probing leaves no mount and no directory').toEqual([]);
    expect(await sha256File(disk.ext4), 'read-only probing (noload) changed no byte').toBe(before);

    // The same in words, in Chinese.
    const zh = await runCli(['systems', '--medium', mediumDir], { LANG: 'zh_CN.UTF-8' });
    expect(zh.stdout).toContain('openSUSE Tumbleweed');
    expect(zh.stdout).toMatch(/Live 介质：绝不修复/);
    expect(zh.stdout).toMatch(HAS_CRYPTSETUP ? /已加密（LUKS），已锁定/ : /未知的文件系统/);
  }, 60_000);

  it('mount binds what a chroot needs and the Live resolv.conf; a shell there has the system PATH and a prompt naming it; unmount releases all', async () => {
    const dir = systemsDir(ext4Id);
    const m = await runCli(['mount', ext4Id]);
    expect(m.code, m.stderr).toBe(0);
    const mounted = under(dir);
    for (const sub of ['', '/dev', '/dev/pts', '/proc', '/sys', '/run']) expect(mounted).toContain(`${dir}${sub}`);
    // This kernel cannot mount FAT: the ESP is left out, and the user is told.
    if (!readFileSync('/proc/filesystems', 'utf8').includes('vfat')) expect(m.stderr).toMatch(/\/boot\/efi is not mounted: this kernel cannot mount FAT/);
    expect(readFileSync(join(dir, 'etc/resolv.conf'), 'utf8')).toBe(readFileSync('/etc/resolv.conf', 'utf8'));
    // The stale /data entry is not mounted (and said so).
    expect(m.stderr).toMatch(/\/data is not mounted/);
    // Mounted: the disk is in use, so it cannot be repaired meanwhile.
    const refused = await runCli(['repair', 'boot', ext4Id, '--yes']);
    expect(refused.code).toBe(2); // it is not even listed as a system now (its partitions are in use)

    const sh = await execa(BIN, ['shell', ext4Id], { input: 'echo "P=$PATH"; echo "S=$PS1"; echo "U=$(id -u)"; cat /etc/os-release\n', reject: false, env: { LANG: 'C.UTF-8' } });
    expect(sh.exitCode, sh.stderr).toBe(0);
    expect(sh.stdout).toContain('P=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(sh.stdout).toContain(`S=(Debian GNU/Linux 12 (bookworm) ${ext4Id}) # `);
    expect(sh.stdout).toContain('U=0');
    expect(sh.stdout).toContain('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"');
    expect(under(dir).length, 'a shell on a mounted system leaves it mounted').toBeGreaterThan(0);

    const u = await runCli(['unmount', ext4Id]);
    expect(u.code, u.stderr).toBe(0);
    expect(under(dir)).toEqual([]);
    // The system's own resolv.conf is untouched.
    const again = await runCli(['systems', '--json', '--medium', mediumDir]);
    expect((JSON.parse(again.stdout) as SystemsJson).systems.some((s) => s.id === ext4Id)).toBe(true);
  }, 60_000);

  it('a shell on an unmounted system mounts it for itself; SIGTERM ends the shell and leaves nothing mounted', async () => {
    const dir = systemsDir(ext4Id);
    const child = execa(BIN, ['shell', ext4Id], { stdin: 'pipe', reject: false, env: { LANG: 'C.UTF-8' } });
    child.stdin!.write('echo READY-IN-SHELL; sleep 120\n');
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 200 && !out.includes('READY-IN-SHELL'); i++) await sleep(100);
    expect(out).toContain('READY-IN-SHELL');
    expect(under(dir)).toContain(`${dir}/proc`);
    child.kill('SIGTERM');
    // The shell and the `sleep` it started are gone: nothing holds the pipe open.
    const r = await child;
    expect(r.stderr).toMatch(/Released/);
    expect(under(dir)).toEqual([]);
    // Ending normally releases too.
    const ok = await execa(BIN, ['shell', ext4Id], { input: 'exit 7\n', reject: false, env: { LANG: 'C.UTF-8' } });
    expect(ok.exitCode).toBe(7);
    expect(under(dir)).toEqual([]);
  }, 60_000);

  it('copy-home copies the user\'s files into the folder with progress, the system mounted read-only, and changes nothing there', async () => {
    const before = await sha256File(disk.ext4);
    const to = join(work, 'stick');
    mkdirSync(to);
    const r = await runCli(['repair', 'copy-home', ext4Id, 'alice', '--to', to, '--yes', '--json', '--log', join(work, 'copy-home.log')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(to, 'alice/notes.txt'), 'utf8')).toBe('hello from alice\n');
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; step?: string; plan?: { steps: { actions: { options?: string[] }[] }[] } });
    const plan = events.find((e) => e.type === 'repair-plan')!.plan!;
    expect(plan.steps[0]!.actions[0]!.options).toEqual(['ro']);
    expect(events.some((e) => e.type === 'progress' && e.step === 'copy-home')).toBe(true);
    expect(await sha256File(disk.ext4), 'mounted read-only: nothing written').toBe(before);
    expect(mountPoints().filter((m) => m.includes('livekit-repair-'))).toEqual([]);
    const missing = await runCli(['repair', 'copy-home', ext4Id, 'alice', '--to', join(work, 'nowhere'), '--yes']);
    expect(missing.code).toBe(2);
  }, 60_000);

  it('bad input: an unknown system is exit 2, a system on the Live medium is never found, missing arguments are usage errors', async () => {
    const unknown = await runCli(['mount', 'nosuchdisk9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no installed system "nosuchdisk9"/);
    const onMedium = await runCli(['repair', 'boot', medium.part(1).replace('/dev/', ''), '--yes', '--medium', mediumDir]);
    expect(onMedium.code).toBe(2);
    expect((await runCli(['shell'])).code).toBe(2);
    expect((await runCli(['repair', 'password', ext4Id])).stderr).toMatch(/needs a user name/);
    expect(probeLeftovers()).toEqual([]);
  }, 60_000);
});
