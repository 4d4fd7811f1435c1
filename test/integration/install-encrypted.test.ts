// Encrypted installs for real (issue #22, "integration, on loop devices"): the real `livekit install` puts the
// layered Debian fixture (three squashfs layers composed as the loader does: the layer copier's path) into a
// LUKS2 container on a sparse disk image, for ext4 (gpt-uefi, the passphrase in the answers) and btrfs
// (mbr-bios, the passphrase on stdin). Then, read back here: `cryptsetup luksDump` says LUKS2, argon2id,
// aes-xts-plain64 with a 512-bit key; the installed /etc/crypttab names luks-<LUKS UUID> by UUID=<LUKS UUID>,
// /etc/fstab mounts / by the UUID of the filesystem inside the container and /boot by the plain boot
// partition's; the tree inside the container (with /boot) is the sysroot's, compared as the unencrypted
// installs are (test/helpers/walk.ts, less what the install writes); the passphrase is nowhere in the image
// (grep -a of its raw bytes), while a control file holding it is found; and nothing stays open (`dmsetup ls`,
// loop devices on the image, mounts under the target, the held journal) after a done install, after a failure
// injected once the container is open (the Copier port, as install-crash.test.ts does), and after SIGTERM
// mid-copy (exit 130).
// Needs root and a kernel with dm-crypt: where this machine's has none, test/release/install-encrypted-vm.ts
// runs this file in a QEMU guest whose kernel has it (test/boot/helpers/dm-guest.ts).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, jsonEvents, runCli } from '../helpers/cli.ts';
import { composedLayeredDebian, debianAnswers, debianSysroots, type LayeredSource } from '../helpers/debian-install.ts';
import { attachImage, makeImage, withCleanup } from '../helpers/image.ts';
import { deviceMapperReady } from '../helpers/rescue-disk.ts';
import { loopsBacking, mountPoints, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { blkid, INSTALL_MANAGED, readFstab } from '../helpers/verify.ts';
import { diffTrees, walkTree, type Entry } from '../helpers/walk.ts';
import { fileContains } from '../e2e/luks-check.ts';
import { prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import { heldBy } from '../../electron/engine/run/held.ts';
import type { Copier } from '../../electron/engine/run/copier.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const dm = isRoot && (await deviceMapperReady());
if (!isRoot) console.warn('test/integration/install-encrypted: skipped (needs root: loop devices, LUKS, mounts, chroot)');
else if (!dm) console.warn('test/integration/install-encrypted: skipped here (this kernel has no device-mapper/dm-crypt); test/release/install-encrypted-vm.ts runs it in a guest that has');

const GiB = 1024 ** 3;
/** A test passphrase (printable ASCII, as every boot prompt can type it), not a secret. */
const PASSPHRASE = 'Quartz-Lynx 9041 proof!';
const PASSWORD = 'correct horse 42';

/**
 * What an encrypted Debian install writes besides what every install writes (INSTALL_MANAGED): the crypttab;
 * the initramfs the target's update-initramfs builds (its image and the checksum it keeps of it); the
 * console-setup cache made anew from the chosen layout first (plan/steps.ts); the locale archive locale-gen
 * writes for the chosen locale; GRUB's files (bootloader: auto; the ESP's are left out with boot/efi); the
 * plain /boot filesystem's lost+found. Everything else must be the sysroot's, byte for byte.
 */
const ENCRYPTED_MANAGED = ['etc/crypttab', 'boot/grub', 'var/lib/initramfs-tools', 'boot/lost+found', 'usr/lib/locale/locale-archive'];
const ENCRYPTED_MANAGED_RE = [/^boot\/initrd\.img-/, /^etc\/console-setup\/cached_/];
const skipEncrypted = (rel: string) => INSTALL_MANAGED.includes(rel) || ENCRYPTED_MANAGED.includes(rel) || ENCRYPTED_MANAGED_RE.some((r) => r.test(rel));
/** Directories whose mtime the install changes by writing into them (update-initramfs and grub-mkconfig use tmp and var/tmp). */
const TOUCHED_DIRS = new Set(['.', 'etc', 'etc/default', 'var', 'var/log', 'var/lib', 'var/spool', 'boot', 'etc/console-setup', 'usr/lib/locale', 'tmp', 'var/tmp']);
const dirTimes = (rel: string) => !TOUCHED_DIRS.has(rel);

/** Device-mapper devices now, as `dmsetup ls` names them ("No devices found" when there are none). */
async function mappings(): Promise<string[]> {
  const r = await execa('dmsetup', ['ls'], { reject: false });
  return String(r.stdout).split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n && n !== 'No');
}

/** What an install into `image` could leave: mappings, loop devices on the image, mounts under its target, the held journal. */
async function openNow(image: string, targetRoot: string): Promise<{ mappings: string[]; loops: string[]; mounts: string[]; held: unknown[] }> {
  const procMounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m === targetRoot || m.startsWith(`${targetRoot}/`));
  return { mappings: await mappings(), loops: await loopsBacking([image]), mounts: [...new Set([...mountsUnder([targetRoot]), ...procMounts])], held: heldBy() };
}
const NOTHING = { mappings: [], loops: [], mounts: [], held: [] };

interface Inside {
  luksUuid: string;
  fsUuid: string;
  bootUuid: string;
  dump: string;
  crypttab: string;
  fstab: ReturnType<typeof readFstab>;
  tree: Map<string, Entry>;
}

/** Attaches the image, opens its container read-only, mounts it (and the plain /boot inside it) read-only, reads it; releases all. */
async function readInstalled(image: string, fs: 'ext4' | 'btrfs', work: string): Promise<Inside> {
  return withCleanup(async (defer) => {
    const disk = await attachImage(image);
    defer(disk.detach);
    const parts = readdirSync('/dev').filter((n) => n.startsWith(`${disk.device.replace('/dev/', '')}p`)).map((n) => `/dev/${n}`).sort();
    const ids = await Promise.all(parts.map(async (p) => ({ p, id: await blkid(p) })));
    const luks = ids.find((x) => x.id.TYPE === 'crypto_LUKS');
    const boot = ids.find((x) => x.id.TYPE === 'ext4');
    if (!luks || !boot) throw new Error(`no container or no plain /boot on ${image}: ${JSON.stringify(ids)}`);
    const dump = (await execa('cryptsetup', ['luksDump', luks.p])).stdout;
    const name = `lk-enc-check-${process.pid}`;
    await execa('cryptsetup', ['open', '--readonly', '--type', 'luks2', '--key-file=-', luks.p, name], { input: PASSPHRASE });
    defer(async () => void (await execa('cryptsetup', ['close', name], { reject: false })));
    const inner = await blkid(`/dev/mapper/${name}`);
    expect(inner.TYPE).toBe(fs);
    const mnt = mkdtempSync(join(work, 'inside-'));
    defer(async () => rmSync(mnt, { recursive: true, force: true }));
    await execa('mount', ['-o', fs === 'btrfs' ? 'ro,subvol=@' : 'ro,noload', `/dev/mapper/${name}`, mnt]);
    defer(async () => void (await execa('umount', [mnt], { reject: false })));
    await execa('mount', ['-o', 'ro,noload', boot.p, join(mnt, 'boot')]);
    defer(async () => void (await execa('umount', [join(mnt, 'boot')], { reject: false })));
    return {
      luksUuid: luks.id.UUID!,
      fsUuid: inner.UUID!,
      bootUuid: boot.id.UUID!,
      dump,
      crypttab: readFileSync(join(mnt, 'etc/crypttab'), 'utf8'),
      fstab: readFstab(mnt),
      tree: await walkTree(mnt, { skip: skipEncrypted, dirTimes }),
    };
  });
}

interface Case {
  id: string;
  layout: 'gpt-uefi' | 'mbr-bios' | 'gpt-bios';
  filesystem: 'ext4' | 'btrfs';
  /** The passphrase in the answer file, or on stdin (`--passphrase-stdin`). */
  passphrase: 'answers' | 'stdin';
}

const CASES: Case[] = [
  { id: 'gpt-uefi-ext4', layout: 'gpt-uefi', filesystem: 'ext4', passphrase: 'answers' },
  { id: 'mbr-bios-btrfs', layout: 'mbr-bios', filesystem: 'btrfs', passphrase: 'stdin' },
];

function answers(c: Pick<Case, 'layout' | 'filesystem' | 'passphrase'>, disk: string): string {
  const base = debianAnswers({ disk, layout: c.layout, filesystem: c.filesystem, hostname: 'lk-encrypted', locale: 'en_US.UTF-8', timezone: 'UTC', password: PASSWORD, swap: 'none' });
  return c.passphrase === 'answers' ? `${base}encryption:\n  passphrase: "${PASSPHRASE}"\n` : `${base}encryption: {}\n`;
}

describe.skipIf(!dm)('the layered Debian fixture installed encrypted (LUKS2) by the CLI onto disk images (needs root and dm-crypt)', () => {
  let work = '';
  let source: LayeredSource;
  let sysroot = '';
  let expected: Map<string, Entry>;

  beforeAll(async () => {
    const sysroots = await debianSysroots();
    work = mkdtempSync(join(tmpdir(), 'lk-encrypted-'));
    source = await composedLayeredDebian(sysroots, join(work, 'run'));
    sysroot = join(work, 'run', 'sysroots', 'debian');
    expected = await walkTree(sysroot, { skip: skipEncrypted, dirTimes });
  }, 1_800_000);

  afterAll(async () => {
    for (const m of await mappings()) if (m.startsWith('luks-') || m.startsWith('lk-enc-check-')) await execa('cryptsetup', ['close', m], { reject: false });
    await source?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('nothing is mapped before the tests; the source carries a kernel and cryptsetup-initramfs', () => {
    expect(existsSync(sysroot)).toBe(true);
    expect([...expected.keys()].some((p) => p.startsWith('boot/vmlinuz-'))).toBe(true);
    expect(expected.has('usr/share/initramfs-tools/hooks/cryptroot')).toBe(true);
    return mappings().then((m) => expect(m).toEqual([]));
  });

  it('a failure once the container is open (the Copier port throws): exit 1 with that error, the mapping closed, all released', async () => {
    const dir = mkdtempSync(join(work, 'fail-'));
    const image = join(dir, 'disk.img');
    await makeImage(image, 4 * GiB);
    const raw = (await import('yaml')).parse(answers({ layout: 'gpt-bios', filesystem: 'ext4', passphrase: 'answers' }, image)) as unknown;
    const p = await prepareInstall(raw, { mediumDir: source.args[1]!, sysrootsDir: source.args[3]!, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, 'install.log') });
    if (!p.ok) throw new Error(JSON.stringify(p));
    let openAtFault: string[] = [];
    let targetMounted = false;
    const throwing: Copier = {
      async copy(req) {
        openAtFault = await mappings();
        targetMounted = mountPoints().includes(req.target.replace(/\/$/, ''));
        writeFileSync(join(req.target, 'partial-copy'), 'written before the fault\n');
        throw new Error('injected: the copy fails inside the open container');
      },
    };
    const events: InstallEvent[] = [];
    const r = await runInstall(p, { onEvent: (e) => events.push(e), copier: throwing });
    expect(r).toMatchObject({ ok: false, cancelled: false, failedStep: 'copy', exitCode: 1 });
    // The fault came with the container open and its filesystem mounted as the target.
    expect(openAtFault.filter((m) => m.startsWith('luks-'))).toHaveLength(1);
    expect(targetMounted).toBe(true);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ step: 'copy', message: 'injected: the copy fails inside the open container' });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await openNow(image, p.plan.targetRoot)).toEqual(NOTHING);
    expect(JSON.stringify(events)).not.toContain(PASSPHRASE);
    expect(await fileContains(image, PASSPHRASE)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }, 1_800_000);

  it('SIGTERM mid-copy: exit 130, a cancelled event, the LUKS mapping closed and everything released', async () => {
    const dir = mkdtempSync(join(work, 'term-'));
    const image = join(dir, 'disk.img');
    await makeImage(image, 4 * GiB);
    const config = join(dir, 'answers.yaml');
    writeFileSync(config, answers({ layout: 'gpt-bios', filesystem: 'ext4', passphrase: 'answers' }, image));
    const log = join(dir, 'install.log');
    const child = execa(BIN, ['install', '--config', config, '--yes', '--json', ...source.args, '--log', log], { reject: false, stdin: 'ignore', env: { LANG: 'C.UTF-8' } });
    let openAtSignal: string[] | undefined;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (openAtSignal === undefined && /"type":"progress","step":"copy"[^\n]*"bytes":[1-9]/.test(buf)) {
        openAtSignal = [];
        void mappings().then((m) => {
          openAtSignal = m;
          child.kill('SIGTERM');
        });
      }
    });
    const r = await child;
    expect(openAtSignal?.filter((m) => m.startsWith('luks-')), 'the container was open when SIGTERM came').toHaveLength(1);
    expect(r.exitCode, String(r.stderr).slice(-2000)).toBe(130);
    const events = jsonEvents(String(r.stdout));
    expect(events.some((e) => e.type === 'cancelled')).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await openNow(image, targetRootFromLog(log))).toEqual(NOTHING);
    expect(await runCli(['cleanup']).then((c) => c.stdout)).toContain('Nothing left behind');
    rmSync(dir, { recursive: true, force: true });
  }, 1_800_000);

  for (const c of CASES) {
    it(`${c.id}: LUKS2 argon2id aes-xts-plain64 512-bit; crypttab and fstab by the right UUIDs; the tree is the sysroot's; no passphrase in the image; nothing left open`, async () => {
      const dir = mkdtempSync(join(work, `${c.id}-`));
      const image = join(dir, 'disk.img');
      await makeImage(image, 4 * GiB);
      const config = join(dir, 'answers.yaml');
      writeFileSync(config, answers(c, image));
      const log = join(dir, 'install.log');
      const argv = ['install', '--config', config, '--yes', '--json', ...source.args, '--log', log, ...(c.passphrase === 'stdin' ? ['--passphrase-stdin'] : [])];
      const t0 = Date.now();
      const r = await execa(BIN, argv, { reject: false, env: { LANG: 'C.UTF-8' }, ...(c.passphrase === 'stdin' ? { input: `${PASSPHRASE}\n` } : { stdin: 'ignore' as const }) });
      const events = jsonEvents(String(r.stdout));
      expect(r.exitCode, `install failed: ${JSON.stringify(events.find((e) => e.type === 'error'))}\n${String(r.stderr).slice(-2000)}`).toBe(0);
      console.log(`install-encrypted: ${c.id} installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
      expect(readFileSync(log, 'utf8')).toMatch(/copy: copier unsquashfs, 3 squashfs layer/);
      // The passphrase reached cryptsetup on stdin only: not in the events, stderr, the log.
      for (const text of [String(r.stdout), String(r.stderr), readFileSync(log, 'utf8')]) expect(text).not.toContain(PASSPHRASE);
      expect(await openNow(image, targetRootFromLog(log))).toEqual(NOTHING);

      const inside = await readInstalled(image, c.filesystem, dir);
      // The container: LUKS2, argon2id, aes-xts-plain64 with a 512-bit key.
      expect(inside.dump).toMatch(/^Version:\s+2$/m);
      expect(inside.dump).toMatch(/^\s+PBKDF:\s+argon2id$/m);
      expect(inside.dump).toMatch(/^\s+cipher:\s+aes-xts-plain64$/m);
      expect(inside.dump).toMatch(/^\s+Cipher key:\s+512 bits$/m);
      expect(inside.dump).not.toMatch(/PBKDF:\s+(pbkdf2|argon2i)$/m);
      // crypttab names the container luks-<LUKS UUID> by its UUID; fstab mounts / by the filesystem inside it, /boot by the plain partition.
      const tab = inside.crypttab.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
      expect(tab).toHaveLength(1);
      expect(tab[0]!.split(/\s+/).slice(0, 2)).toEqual([`luks-${inside.luksUuid}`, `UUID=${inside.luksUuid}`]);
      const root = inside.fstab.find((e) => e.mountpoint === '/');
      expect(root).toMatchObject({ spec: `UUID=${inside.fsUuid}`, type: c.filesystem });
      expect(inside.fstab.find((e) => e.mountpoint === '/boot')).toMatchObject({ spec: `UUID=${inside.bootUuid}`, type: 'ext4' });
      expect(inside.fsUuid).not.toBe(inside.luksUuid);
      // Every file inside the container (and on /boot) is the sysroot's: type, mode, ids, size, mtime, links, xattrs.
      expect(diffTrees(expected, inside.tree)).toEqual([]);
      // And the installer's own writes are there: the initramfs was built for the encrypted root.
      expect([...readdirSync('/dev/mapper')].filter((n) => n.startsWith('lk-enc-check-'))).toEqual([]);
      expect(await openNow(image, targetRootFromLog(log))).toEqual(NOTHING);

      // The passphrase is nowhere in the image's raw bytes; the same search finds it in a sparse control file that holds it.
      expect(await fileContains(image, PASSPHRASE)).toBe(false);
      const control = join(dir, 'control.img');
      await makeImage(control, 64 * 1024 ** 2);
      await execa('dd', ['of=' + control, 'bs=1M', 'seek=40', 'conv=notrunc'], { input: `\0\0${PASSPHRASE}\0\0` });
      expect(await fileContains(control, PASSPHRASE)).toBe(true);
      rmSync(dir, { recursive: true, force: true });
    }, 3_600_000);
  }
});
