// listSysroots on real directory trees: the medium's config and sysroots.json, measured sizes
// cross-checked with find(1), tools detected through in-sysroot symlinks, and (as root) a real
// read-only overlay sysroot composed from two layers with a whiteout.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediumConfigError } from '../../electron/engine/medium/config.ts';
import { readMedium } from '../../electron/engine/medium/medium.ts';
import { listSysroots } from '../../electron/engine/medium/sysroots.ts';

const root = mkdtempSync(join(tmpdir(), 'livekit-sysroots-'));
const medium = join(root, 'medium');
const sysroots = join(root, 'sysroots');
const noMedium = join(root, 'empty-medium');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(path: string, content = ''): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/**
 * What find(1) counts: every directory, other files once per (device, inode) (hardlinks once), and
 * the apparent bytes of files and symlinks. The device matters: an overlay without xino reports
 * its lower layers' inode numbers.
 */
function findMeasure(dir: string): { inodes: number; bytes: number } {
  const lines = (args: string[]): string[] => execFileSync('find', [dir, ...args], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const dirs = lines(['-type', 'd', '-printf', 'd\\n']).length;
  const others = new Set(lines(['!', '-type', 'd', '-printf', '%D:%i\\n'])).size;
  const rows = new Set(lines(['(', '-type', 'f', '-o', '-type', 'l', ')', '-printf', '%D:%i %s\\n']));
  const bytes = [...rows].reduce((s, r) => s + Number(r.split(' ')[1]), 0);
  return { inodes: dirs + others, bytes };
}

const MACHINE = { arch: 'x64', gpuVendors: ['NVIDIA'] };

beforeAll(() => {
  put(
    join(medium, 'livekit/livekit.conf'),
    [
      'FSTYPE=erofs',
      'LAYERS=("desktop-common" "desktop" "driver-nvidia" "server" "livekit")',
      'SYSROOT_LAYERS=("server" "desktop" "desktop-nvidia" "livekit")',
      'SYSROOT_DEP_desktop=("base" "desktop-common" "desktop")',
      'SYSROOT_DEP_desktop_nvidia=("base" "desktop-common" "desktop" "driver-nvidia")',
      'SYSROOT_DEP_server=("base" "server")',
      'SYSROOT_DEP_livekit=("base" "desktop-common" "livekit")',
      'TEMPLATE_desktop_nvidia="desktop.$FSTYPE"',
      '',
    ].join('\n'),
  );
  put(
    join(medium, 'livekit/sysroots.json'),
    JSON.stringify({
      version: 1,
      sysroots: {
        desktop: { title: { en: 'Desktop', zh_CN: '桌面版', zh_TW: '桌面版（繁）' }, description: { en: 'Full desktop', zh_CN: '完整桌面' }, size: 5_000_000_000, inodes: 250_000, installable: true },
        'desktop-nvidia': { title: { en: 'Desktop (NVIDIA)' }, installable: true, hints: { gpu: 'nvidia' } },
        server: { title: { en: 'Server', zh_CN: '服务器版' }, hints: { arch: 'loongarch64' } },
        livekit: { title: { en: 'LiveKit' }, installable: false, hints: { gpu: 'nvidia' } },
      },
    }),
  );
  mkdirSync(noMedium);

  // desktop: merged-/usr layout, absolute symlinks that must resolve inside the sysroot.
  const d = join(sysroots, 'desktop');
  link('usr/bin', join(d, 'bin'));
  link('usr/sbin', join(d, 'sbin'));
  link('usr/lib', join(d, 'lib'));
  put(join(d, 'usr/share/demo/os-release'), 'NAME="Demo OS"\nPRETTY_NAME="Demo OS 1 (Desktop)"\nID=demo\nVERSION_ID=1\n');
  link('/lib/../share/demo/os-release', join(d, 'etc/os-release')); // absolute; /lib → usr/lib, so /lib/.. is /usr
  put(join(d, 'usr/bin/busybox'), 'ELF');
  put(join(d, 'usr/bin/bash'), 'ELF'); // found as /bin/bash through the bin → usr/bin link
  put(join(d, 'usr/bin/dracut'), '#!/bin/sh\n');
  // Encryption: cryptsetup and dracut's crypt module (what opens an encrypted root at boot).
  put(join(d, 'usr/sbin/cryptsetup'), 'ELF');
  put(join(d, 'usr/lib/dracut/modules.d/90crypt/module-setup.sh'), '#!/bin/bash\n');
  put(join(d, 'usr/sbin/grub-install'), 'ELF');
  put(join(d, 'usr/sbin/useradd'), 'ELF');
  link('/bin/busybox', join(d, 'usr/sbin/chpasswd')); // absolute, through the bin → usr/bin link
  put(join(d, 'usr/lib/grub/x86_64-efi/normal.mod'), 'mod');
  put(join(d, 'usr/lib/grub/i386-pc/modinfo.sh'), 'x');
  put(join(d, 'usr/lib/grub/x86_64-efi-signed/grubx64.efi'), 'x');
  mkdirSync(join(d, 'usr/lib/modules/6.1.0-13-amd64/kernel'), { recursive: true });
  mkdirSync(join(d, 'usr/lib/modules/6.5.0-1-amd64'), { recursive: true });
  put(join(d, 'usr/sbin/locale-gen'), '#!/bin/sh\n');
  // A real glibc locale-archive (host localedef writing into the sysroot), and a C.utf8 directory.
  mkdirSync(join(d, 'usr/lib/locale'), { recursive: true });
  for (const l of ['zh_CN', 'en_US']) execFileSync('localedef', [`--prefix=${d}`, '-i', l, '-f', 'UTF-8', `${l}.UTF-8`]);
  put(join(d, 'usr/lib/locale/C.utf8/LC_CTYPE'), 'ctype');
  mkdirSync(join(d, 'usr/lib/locale/not-a-locale'));
  put(join(d, 'etc/group'), 'root:x:0:\nsudo:x:27:\nusers:x:100:\n');
  put(join(d, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/usr/sbin/nologin\nbob:x:1000:1000::/home/bob:/bin/sh\n');

  // desktop-nvidia: same as desktop but nothing detected beyond os-release via /usr/lib fallback.
  put(join(sysroots, 'desktop-nvidia/usr/lib/os-release'), 'PRETTY_NAME="Demo OS 1 (NVIDIA)"\n');

  // server: no sizes in sysroots.json → measured; hardlinks, symlinks, a sparse file.
  const s = join(sysroots, 'server');
  put(join(s, 'usr/lib/os-release'), "PRETTY_NAME='Demo Server'\n"); // only /usr/lib/os-release
  put(join(s, 'usr/sbin/update-initramfs'), '#!/bin/sh\n');
  link('/usr/bin/true', join(s, 'usr/sbin/dracut')); // exists on the host, not in the sysroot
  link('../../../../../../../../usr/bin/true', join(s, 'usr/sbin/chpasswd')); // `..` stops at the sysroot's root
  link('loop', join(s, 'usr/bin/loop')); // a symlink loop must not hang
  put(join(s, 'usr/sbin/grub2-install'), 'ELF');
  mkdirSync(join(s, 'lib/modules/5.10.0-27-amd64'), { recursive: true });
  put(join(s, 'etc/group'), 'root:x:0:\nwheel:x:10:\n');
  put(join(s, 'data/big'), 'x'.repeat(100_000));
  linkSync(join(s, 'data/big'), join(s, 'data/big-hardlink'));
  linkSync(join(s, 'data/big'), join(s, 'usr/big-hardlink-2'));
  execFileSync('truncate', ['-s', '10M', join(s, 'data/sparse')]);
  put(join(s, 'data/odd name\twith tab'), 'odd');

  // livekit: Live-only; other: not in the config at all; a stray file is no sysroot.
  put(join(sysroots, 'livekit/etc/os-release'), 'PRETTY_NAME="LiveKit"\n');
  put(join(sysroots, 'other/etc/os-release'), 'ID=other\n');
  mkdirSync(join(sysroots, 'base/etc'), { recursive: true });
  put(join(sysroots, 'README'), 'not a sysroot');
});

describe('listSysroots on real trees', () => {
  it('lists base first, then the medium order, then the rest by name; files are skipped', async () => {
    const list = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: MACHINE });
    expect(list.map((s) => s.name)).toEqual(['base', 'server', 'desktop', 'desktop-nvidia', 'livekit', 'other']);
    expect(list.every((s) => s.path === join(sysroots, s.name))).toBe(true);
  });

  it('takes titles, sizes, flags and layers from the medium, in the requested language', async () => {
    const zhTW = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'zh_TW.UTF-8', machine: MACHINE });
    const desktop = zhTW.find((s) => s.name === 'desktop')!;
    expect(desktop).toMatchObject({ title: '桌面版（繁）', description: '完整桌面', sizeBytes: 5_000_000_000, inodes: 250_000, measured: true, installable: true });
    expect(desktop.layers).toEqual(['base', 'desktop-common', 'desktop']);
    expect(zhTW.find((s) => s.name === 'server')!.title).toBe('服务器版'); // zh_TW → zh_CN
    const en = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: MACHINE });
    expect(en.find((s) => s.name === 'desktop')!.title).toBe('Desktop');
    expect(en.find((s) => s.name === 'other')).toMatchObject({ title: 'other', description: '', installable: true, layers: [] });
  });

  it('recommends the NVIDIA variant on an NVIDIA machine and the LoongArch one on loong64, installable only', async () => {
    const nv = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: { arch: 'x64', gpuVendors: ['nvidia', 'intel'] } });
    expect(nv.filter((s) => s.recommended).map((s) => s.name)).toEqual(['desktop-nvidia']); // livekit has the hint but is Live-only
    const la = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: { arch: 'loong64', gpuVendors: [] } });
    expect(la.filter((s) => s.recommended).map((s) => s.name)).toEqual(['server']);
    const none = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: { arch: 'x64', gpuVendors: ['amd'] } });
    expect(none.some((s) => s.recommended)).toBe(false);
  });

  it('measures size and inodes when sysroots.json has none, hardlinks once, as find(1) counts', async () => {
    const list = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: MACHINE });
    const server = list.find((s) => s.name === 'server')!;
    const expected = findMeasure(join(sysroots, 'server'));
    expect(server.measured).toBe(false);
    expect(server.inodes).toBe(expected.inodes);
    expect(server.sizeBytes).toBe(expected.bytes);
    expect(server.sizeBytes).toBeGreaterThan(10 * 1024 * 1024 + 100_000); // sparse file at apparent size, big once
    expect(server.sizeBytes).toBeLessThan(10 * 1024 * 1024 + 200_000);
  });

  it('parses os-release from /etc (absolute link resolved inside the sysroot) or /usr/lib', async () => {
    const list = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: MACHINE });
    expect(list.find((s) => s.name === 'desktop')!.osRelease).toEqual({ NAME: 'Demo OS', PRETTY_NAME: 'Demo OS 1 (Desktop)', ID: 'demo', VERSION_ID: '1' });
    expect(list.find((s) => s.name === 'server')!.osRelease).toEqual({ PRETTY_NAME: 'Demo Server' });
    expect(list.find((s) => s.name === 'base')!.osRelease).toEqual({});
  });

  it("detects the target's tools from its own files, never the host's", async () => {
    const list = await listSysroots({ sysrootsDir: sysroots, mediumDir: medium, lang: 'en', machine: MACHINE });
    expect(list.find((s) => s.name === 'desktop')!.tools).toEqual({
      initramfs: 'dracut',
      grub: 'grub',
      grubPlatforms: ['i386-pc', 'x86_64-efi'],
      kernels: ['6.1.0-13-amd64', '6.5.0-1-amd64'],
      useradd: true,
      chpasswd: true,
      adminGroups: ['sudo'],
      loginShell: '/bin/bash',
      existingUsers: ['root', 'daemon', 'bob'],
      localeGen: true,
      locales: ['C.utf8', 'en_US.utf8', 'zh_CN.utf8'],
      cryptsetup: true,
      setupcon: false,
      initramfsCrypt: true,
    });
    expect(list.find((s) => s.name === 'server')!.tools).toEqual({
      initramfs: 'update-initramfs', // /usr/sbin/dracut points at the host's /usr/bin/true only
      grub: 'grub2',
      grubPlatforms: [],
      kernels: ['5.10.0-27-amd64'],
      useradd: false,
      chpasswd: false,
      adminGroups: ['wheel'],
      loginShell: '/bin/sh',
      existingUsers: [],
      localeGen: false,
      locales: [],
      // update-initramfs without cryptsetup-initramfs' hook: an encrypted root could not be opened at boot.
      cryptsetup: false,
      setupcon: false,
      initramfsCrypt: false,
    });
    expect(list.find((s) => s.name === 'base')!.tools).toEqual({ grubPlatforms: [], kernels: [], useradd: false, chpasswd: false, adminGroups: [], loginShell: '/bin/sh', existingUsers: [], localeGen: false, locales: [], cryptsetup: false, setupcon: false, initramfsCrypt: false });
  });

  it('lists sysroots from the directories alone without a medium config', async () => {
    const list = await listSysroots({ sysrootsDir: sysroots, mediumDir: noMedium, lang: 'en', machine: MACHINE });
    expect(list.map((s) => [s.name, s.installable, s.measured, s.recommended])).toEqual([
      ['base', true, false, false],
      ['desktop', true, false, false],
      ['desktop-nvidia', true, false, false],
      ['livekit', false, false, false], // a Live-only name
      ['other', true, false, false],
      ['server', true, false, false],
    ]);
    const desktop = list.find((s) => s.name === 'desktop')!;
    expect(desktop.title).toBe('Demo OS 1 (Desktop)'); // PRETTY_NAME when nothing better
    expect(desktop.inodes).toBe(findMeasure(join(sysroots, 'desktop')).inodes);
  });

  it('returns nothing for a missing sysroots dir, and refuses a broken medium config', async () => {
    expect(await listSysroots({ sysrootsDir: join(root, 'nope'), mediumDir: noMedium, lang: 'en', machine: MACHINE })).toEqual([]);
    const bad = join(root, 'bad-medium');
    put(join(bad, 'livekit/livekit.conf'), 'LAYERS=(a)\nFSTYPE=$(curl evil)\n');
    const err = await listSysroots({ sysrootsDir: sysroots, mediumDir: bad, lang: 'en', machine: MACHINE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediumConfigError);
    expect(err).toMatchObject({ file: join(bad, 'livekit/livekit.conf'), line: 2 });
  });

  it('readMedium returns the config and the metadata', async () => {
    const m = await readMedium(medium);
    expect(m.dir).toBe(medium);
    expect(m.config.templates).toEqual({ 'desktop-nvidia': 'desktop.erofs' });
    expect(Object.keys(m.meta)).toEqual(['desktop', 'desktop-nvidia', 'server', 'livekit']);
    await expect(readMedium(noMedium)).rejects.toThrow(/livekit\.conf:0: no such file/);
  });
});

describe.skipIf(process.getuid?.() !== 0)('listSysroots on a real composed sysroot (needs root: loop-mounted squashfs layers under overlayfs)', () => {
  it('reads and measures an overlay of two squashfs layers with a whiteout and an opaque directory', async () => {
    const ov = mkdtempSync(join(tmpdir(), 'livekit-ov-'));
    const mnt = join(ov, 'sysroots', 'stack');
    const mounted: string[] = [];
    try {
      const l1 = join(ov, 'tree1');
      put(join(l1, 'usr/lib/os-release'), 'PRETTY_NAME="Lower"\n');
      link('../usr/lib/os-release', join(l1, 'etc/os-release'));
      put(join(l1, 'usr/bin/gone'), 'will be whited out');
      put(join(l1, 'usr/bin/kept'), 'kept');
      put(join(l1, 'etc/conf.d/old'), 'hidden by the opaque dir');
      put(join(l1, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
      const l2 = join(ov, 'tree2');
      put(join(l2, 'usr/lib/os-release'), 'PRETTY_NAME="Upper"\n');
      mkdirSync(join(l2, 'usr/bin'), { recursive: true });
      execFileSync('mknod', [join(l2, 'usr/bin/gone'), 'c', '0', '0']); // whiteout
      put(join(l2, 'etc/conf.d/new'), 'new');
      execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(l2, 'etc/conf.d')]);
      put(join(l2, 'usr/sbin/useradd'), 'ELF');
      for (const [tree, img, at] of [[l1, 'l1.squashfs', 'l1'], [l2, 'l2.squashfs', 'l2']] as const) {
        execFileSync('mksquashfs', [tree, join(ov, img), '-quiet', '-no-progress', '-comp', 'zstd'], { stdio: 'ignore' });
        mkdirSync(join(ov, at));
        execFileSync('mount', ['-t', 'squashfs', '-o', 'ro,loop', join(ov, img), join(ov, at)]);
        mounted.unshift(join(ov, at));
      }
      mkdirSync(mnt, { recursive: true });
      execFileSync('mount', ['-t', 'overlay', 'lk-test', '-o', `ro,lowerdir=${join(ov, 'l2')}:${join(ov, 'l1')}`, mnt]);
      mounted.unshift(mnt);

      const list = await listSysroots({ sysrootsDir: join(ov, 'sysroots'), mediumDir: join(ov, 'none'), lang: 'en', machine: MACHINE });
      expect(list).toHaveLength(1);
      const st = list[0]!;
      expect(st.osRelease).toEqual({ PRETTY_NAME: 'Upper' });
      expect(st.tools.useradd).toBe(true);
      expect(st.tools.existingUsers).toEqual(['root']);
      expect(existsSync(join(mnt, 'usr/bin/gone'))).toBe(false);
      expect(existsSync(join(mnt, 'etc/conf.d/old'))).toBe(false);
      const expected = findMeasure(mnt);
      expect(st.inodes).toBe(expected.inodes);
      expect(st.inodes).toBe(13); // 7 directories (/, etc, etc/conf.d, usr, usr/lib, usr/bin, usr/sbin) + 6 files
      expect(st.sizeBytes).toBe(expected.bytes);
      const visible = ['PRETTY_NAME="Upper"\n', '../usr/lib/os-release', 'kept', 'new', 'root:x:0:0::/root:/bin/sh\n', 'ELF'];
      expect(st.sizeBytes).toBe(visible.reduce((n, t) => n + Buffer.byteLength(t), 0));
    } finally {
      for (const m of mounted) execFileSync('umount', [m]);
      for (const img of ['l1.squashfs', 'l2.squashfs']) {
        const f = join(ov, img);
        if (existsSync(f)) expect(execFileSync('losetup', ['-j', f], { encoding: 'utf8' })).toBe(''); // loop released
      }
      rmSync(ov, { recursive: true, force: true });
    }
  });
});
