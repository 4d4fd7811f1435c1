// Real installs through the `livekit` CLI onto sparse disk images (loop devices, sfdisk, mkfs, rsync,
// chroot useradd/chpasswd), then the result checked on disk against the overlay-composed source.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage, mountRo, withCleanup } from '../helpers/image.ts';
import { jsonEvents, runCli } from '../helpers/cli.ts';
import { loopsBacking, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { diffTrees, walkTree, type Entry } from '../helpers/walk.ts';
import { blkid, compareDirTime, fileText, groupMembers, partitionTable, passwordVerifies, readFstab, shadowHash, skipManaged } from '../helpers/verify.ts';
import type { ProgressEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const GiB = 1024 ** 3;
const PASSWORD = 'correct horse: battery staple';

const GUID = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  bios: '21686148-6449-6E6F-744E-656564454649',
};

interface Case {
  layout: 'auto' | 'gpt-uefi' | 'gpt-bios' | 'mbr-bios';
  fs: 'ext4' | 'xfs' | 'btrfs';
  label: 'gpt' | 'dos';
  /** Partition roles in table order. */
  roles: ('esp' | 'bios' | 'root')[];
  /** LANG= on the kernel command line; the answers leave `locale` out for it to apply. */
  cmdlineLang: string;
}

// This host boots with BIOS (no /sys/firmware/efi), so `auto` means GPT + BIOS boot partition.
const CASES: Case[] = [
  { layout: 'auto', fs: 'ext4', label: 'gpt', roles: ['bios', 'root'], cmdlineLang: 'en_US.UTF-8' },
  { layout: 'gpt-uefi', fs: 'xfs', label: 'gpt', roles: ['esp', 'root'], cmdlineLang: 'zh_CN.UTF-8' },
  { layout: 'gpt-bios', fs: 'btrfs', label: 'gpt', roles: ['bios', 'root'], cmdlineLang: 'zh_TW.UTF-8' },
  { layout: 'mbr-bios', fs: 'ext4', label: 'dos', roles: ['root'], cmdlineLang: 'en_US.UTF-8' },
];

describe.skipIf(!isRoot)('install onto disk images through the CLI (needs root: loop devices, mounts, chroot)', () => {
  let fx: Composed;
  let source: Map<string, Entry>;
  let work: string;

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    source = await walkTree(join(fx.sysroots, 'desktop'), { skip: skipManaged, dirTimes: compareDirTime });
    work = mkdtempSync('/tmp/lk-it-');
  });
  afterAll(async () => {
    await fx?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the composed source carries every kind of file the copy must keep', () => {
    const k = (p: string) => source.get(`usr/share/kinds/${p}`);
    expect(k('hardlink-a')?.links).toEqual(['usr/share/kinds/hardlink-a', 'usr/share/kinds/hardlink-b', 'usr/share/kinds/odd/hardlink-c']);
    expect(Object.keys(k('xattrs')!.xattrs)).toEqual(expect.arrayContaining(['user.livekit.note']));
    expect(k('ping-cap')?.xattrs['security.capability']).toBeDefined();
    expect(k('sparse')?.sparse).toBe(true);
    expect(k('char-dev')).toMatchObject({ type: 'char', rdev: '1:3' });
    expect(k('block-dev')).toMatchObject({ type: 'block', rdev: '7:200' });
    expect(k('fifo')?.type).toBe('fifo');
    expect(k('odd/new\nline')?.type).toBe('file');
    expect(k('odd/中文文件名')?.type).toBe('file');
    expect(k('odd/-leading-dash')?.type).toBe('file');
    expect(k('foreign-ids')).toMatchObject({ uid: 12345, gid: 23456 });
    expect(k('setuid')?.mode).toBe(0o4755);
    expect(k('setgid')?.mode).toBe(0o2755);
    expect(k('dangling-link')).toMatchObject({ type: 'symlink', target: '/does/not/exist' });
    // The upper layer's whiteout, opaque dir and renamed dir, seen through the overlay.
    expect(source.has('usr/share/deleted-by-desktop')).toBe(false);
    expect(source.has('usr/share/replaced/from-base')).toBe(false);
    expect(source.has('usr/share/replaced/from-desktop')).toBe(true);
    expect(source.has('usr/share/renamed-from')).toBe(false);
    expect(source.has('usr/share/renamed-to/inside')).toBe(true);
  });

  it('the comparison catches a copy that loses metadata (plain rsync -a, no -HXS)', async () => {
    const dst = mkdtempSync(join(work, 'lossy-'));
    await execa('rsync', ['-a', `${join(fx.sysroots, 'desktop')}/`, `${dst}/`]);
    const lossy = diffTrees(source, await walkTree(dst, { skip: skipManaged, dirTimes: compareDirTime })).join('\n');
    rmSync(dst, { recursive: true, force: true });
    expect(lossy).toContain('"usr/share/kinds/hardlink-a"'); // hardlinks split
    expect(lossy).toContain('"usr/share/kinds/xattrs"'); // xattrs dropped
    expect(lossy).toContain('"usr/share/kinds/ping-cap"'); // capability dropped
    expect(lossy).toContain('"usr/share/kinds/sparse"'); // sparse file filled
  });

  for (const c of CASES) {
    it(`layout ${c.layout} with ${c.fs}: partitions, fstab, every file, the account, nothing left behind`, async () => {
      const dir = mkdtempSync(join(work, `${c.layout}-${c.fs}-`));
      const image = join(dir, 'disk.img');
      await makeImage(image, 2 * GiB);
      const answers = join(dir, 'answers.yaml');
      writeFileSync(
        answers,
        [
          'version: 1',
          'variant: desktop',
          'target:',
          `  disk: ${image}`,
          `  layout: ${c.layout}`,
          `  filesystem: ${c.fs}`,
          '  swap: none',
          'hostname: install-test',
          'timezone: Asia/Shanghai',
          'user:',
          '  name: alice',
          '  fullname: Alice Liddell',
          `  password: "${PASSWORD}"`,
          'bootloader: none',
          '',
        ].join('\n'),
      );
      const cmdline = join(dir, 'cmdline');
      writeFileSync(cmdline, `BOOT_IMAGE=/vmlinuz root=livekit:CDLABEL=LIVEKIT LANG=${c.cmdlineLang} quiet\n`);
      const logFile = join(dir, 'install.log');

      const r = await runCli(['install', '--yes', '--json', '--config', answers, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', cmdline, '--log', logFile]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      // Events: JSON lines; progress never goes backwards; the copy reports bytes against the total.
      const events = jsonEvents(r.stdout);
      expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
      const progress = events.filter((e): e is ProgressEvent => e.type === 'progress');
      progress.forEach((p, i) => i > 0 && expect(p.percent).toBeGreaterThanOrEqual(progress[i - 1]!.percent));
      expect(progress.at(-1)!.percent).toBe(100);
      const copy = progress.filter((p) => p.step === 'copy');
      expect(copy.length).toBeGreaterThan(0);
      expect(copy.at(-1)!.bytes).toBe(copy.at(-1)!.total);
      expect(r.stdout).not.toContain(PASSWORD);
      expect(readFileSync(logFile, 'utf8')).not.toContain(PASSWORD);
      // The fixture's desktop is an overlay of squashfs layers: the fast copier unpacked them.
      expect(readFileSync(logFile, 'utf8')).toMatch(/copy: copier unsquashfs, 2 squashfs layer/);

      // Nothing left mounted or attached.
      expect(await loopsBacking([image])).toEqual([]);
      expect(mountsUnder([targetRootFromLog(logFile)])).toEqual([]);

      await withCleanup(async (defer) => {
        const disk = await attachImage(image);
        defer(disk.detach);
        const table = await partitionTable(disk.device);
        expect(table.label).toBe(c.label);
        expect(table.partitions).toHaveLength(c.roles.length);
        const partOf = (role: string) => disk.part(c.roles.indexOf(role as never) + 1);
        if (c.label === 'gpt') {
          if (c.roles.includes('esp')) expect(table.partitions[c.roles.indexOf('esp')]!.type).toBe(GUID.esp);
          if (c.roles.includes('bios')) expect(table.partitions[c.roles.indexOf('bios')]!.type).toBe(GUID.bios);
        }
        const rootId = await blkid(partOf('root'));
        expect(rootId['TYPE']).toBe(c.fs);
        const espId = c.roles.includes('esp') ? await blkid(partOf('esp')) : undefined;
        if (espId) expect(espId['TYPE']).toBe('vfat');

        const mnt = join(dir, 'mnt');
        defer(await mountRo(partOf('root'), mnt, c.fs === 'btrfs' ? ['subvol=@'] : c.fs === 'xfs' ? ['norecovery'] : []));

        // fstab names every filesystem by the UUID blkid reads from the disk.
        const fstab = readFstab(mnt);
        const rootEntry = fstab.find((e) => e.mountpoint === '/');
        expect(rootEntry?.spec).toBe(`UUID=${rootId['UUID']}`);
        expect(rootEntry?.type).toBe(c.fs);
        if (espId) expect(fstab.find((e) => e.mountpoint === '/boot/efi')?.spec).toBe(`UUID=${espId['UUID']}`);
        for (const e of fstab.filter((x) => x.spec.startsWith('UUID='))) {
          expect([rootId['UUID'], espId?.['UUID']]).toContain(e.spec.slice(5));
        }

        // Every copied file matches the source: type, mode, ids, size, mtime, hardlinks, xattrs, caps, sparse, devices, links.
        const target = await walkTree(mnt, { skip: skipManaged, dirTimes: compareDirTime });
        expect(diffTrees(source, target)).toEqual([]);

        // Settings and the account.
        expect(fileText(mnt, 'etc/hostname')).toBe('install-test\n');
        expect(fileText(mnt, 'etc/locale.conf')).toContain(`LANG=${c.cmdlineLang}`);
        expect(fileText(mnt, 'etc/timezone')).toBe('Asia/Shanghai\n');
        // The keyboard layout follows the locale when the answers name none (zh_CN → cn, zh_TW → tw).
        const layout = { 'en_US.UTF-8': 'us', 'zh_CN.UTF-8': 'cn', 'zh_TW.UTF-8': 'tw' }[c.cmdlineLang];
        expect(fileText(mnt, 'etc/default/keyboard')).toContain(`XKBLAYOUT="${layout}"`);
        expect(fileText(mnt, 'etc/X11/xorg.conf.d/00-keyboard.conf')).toContain(`Option "XkbLayout" "${layout}"`);
        const hash = shadowHash(mnt, 'alice');
        expect(hash).toMatch(/^\$/);
        expect(await passwordVerifies(PASSWORD, hash!)).toBe(true);
        expect(await passwordVerifies('wrong password', hash!)).toBe(false);
        expect(groupMembers(mnt, 'wheel')).toContain('alice');
        expect(fileText(mnt, 'etc/passwd')).toMatch(/^alice:x:\d+:\d+:Alice Liddell:\/home\/alice:/m);
        const savedLog = fileText(mnt, 'var/log/livekit-installer.log');
        expect(savedLog).toContain('"type":"plan"');
        expect(savedLog).not.toContain(PASSWORD);
        expect(fileText(mnt, 'etc/machine-id')).toBe('');
      });
      expect(await loopsBacking([image])).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
