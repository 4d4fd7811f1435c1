// The dracut module scripts/dracut/90livekit: its pure spec mapping, its check(), a real dracut
// build that includes it, and its hooks and loader run inside that initramfs's tree (chroot, with
// dracut's own dracut-lib.sh and getarg) against a real ext4 medium on a loop device.
// Booting it in QEMU is test/boot (another part); here the pieces run on the host kernel.
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_ROOT, REPO, build, inNamespace, isRoot, run, tempDir } from './helpers.ts';

const MODULE = join(REPO, 'scripts/dracut/90livekit');

describe('livekit_spec_to_dev (pure)', () => {
  const map = async (spec: string): Promise<{ code: number; out: string }> => {
    const r = await run('sh', ['-c', '. "$0/livekit-lib.sh"; livekit_spec_to_dev "$1"', MODULE, spec]);
    return { code: r.code, out: r.stdout.trim() };
  };
  it.each([
    ['CDLABEL=LIVEKIT', '/dev/disk/by-label/LIVEKIT'],
    ['LABEL=My Disk', '/dev/disk/by-label/My\\x20Disk'],
    ['LABEL=a/b', '/dev/disk/by-label/a\\x2fb'],
    ['UUID=2026-11-25-18-00-00-00', '/dev/disk/by-uuid/2026-11-25-18-00-00-00'],
    ['PARTUUID=0b9c-01', '/dev/disk/by-partuuid/0b9c-01'],
    ['PARTLABEL=livekit', '/dev/disk/by-partlabel/livekit'],
    ['/dev/sr0', '/dev/sr0'],
  ])('%s → %s', async (spec, dev) => {
    expect(await map(spec)).toEqual({ code: 0, out: dev });
  });
  it.each(['', 'CDLABEL=', 'sr0', 'FOO=bar'])('refuses %j', async (spec) => {
    expect((await map(spec)).code).not.toBe(0);
  });
});

describe('module-setup.sh check()', () => {
  it('refuses host-only images and otherwise comes in only when asked', async () => {
    const check = async (hostonly: string): Promise<number> =>
      (await run('bash', ['-c', 'hostonly=$1; . "$0/module-setup.sh"; check', MODULE, hostonly])).code;
    expect(await check('yes')).toBe(1);
    expect(await check('')).toBe(255);
  });
});

describe.skipIf(!isRoot)(`the module in a real dracut initramfs (${NEEDS_ROOT})`, () => {
  const tmp = isRoot ? tempDir('dracut') : { dir: '', remove: () => {} };
  const tree = join(tmp.dir, 'initramfs');
  const medium = join(tmp.dir, 'medium');
  let loop = '';

  beforeAll(async () => {
    // dracut finds modules only in its modules.d: overlay ours there, in a private namespace.
    mkdirSync(join(tmp.dir, 'mods/u'), { recursive: true });
    mkdirSync(join(tmp.dir, 'mods/w'), { recursive: true });
    const img = join(tmp.dir, 'initrd.img');
    const d = await inNamespace(`
cp -r "$MODULE" "$T/mods/u/90livekit"
mount -t overlay mods -o "lowerdir=/usr/lib/dracut/modules.d,upperdir=$T/mods/u,workdir=$T/mods/w" /usr/lib/dracut/modules.d
dracut --no-hostonly --no-kernel --force --no-compress -m "base bash livekit" "$IMG"
mkdir -p "$TREE" && cd "$TREE" && cpio -idm --quiet <"$IMG"`, { T: tmp.dir, MODULE, IMG: img, TREE: tree });
    expect(d.code, d.stderr).toBe(0);
    const b = await build('tiny', medium, ['--separate', 'estimate']);
    expect(b.code, b.stderr).toBe(0);
    // An AOSC-style hook: it writes to /sysroot itself and reads $TARGET.
    mkdirSync(join(medium, 'livekit/hooks'));
    writeFileSync(join(medium, 'livekit/hooks/10-mark.sh'), 'echo "hook saw $TARGET" >/sysroot/etc/aosc-hook\n');
    const mk = await run('mkfs.ext4', ['-q', '-L', 'LKTEST', '-d', medium, join(tmp.dir, 'medium.img'), '64M']);
    expect(mk.code, mk.stderr).toBe(0);
    loop = (await execa('losetup', ['-f', '--show', join(tmp.dir, 'medium.img')])).stdout.trim();
  });
  afterAll(async () => {
    if (loop) await run('losetup', ['-d', loop]);
    tmp.remove();
  });

  /**
   * Runs `script` with bash inside a fresh copy-on-write view of the initramfs tree, with /proc,
   * /sys, a /dev holding the medium's loop device, and `cmdline` as /proc/cmdline.
   */
  const inInitramfs = (cmdline: string, script: string) =>
    inNamespace(`
R="$T/r-$$"; mkdir -p "$R" "$T/u-$$" "$T/w-$$"
trap 'rm -rf "$T/u-$$" "$T/w-$$"' EXIT
mount -t overlay initramfs -o "lowerdir=$TREE,upperdir=$T/u-$$,workdir=$T/w-$$" "$R"
mount -t proc proc "$R/proc"
mount --bind /sys "$R/sys"
mount -t tmpfs dev "$R/dev"
mount -t tmpfs run "$R/run"
touch "$R/dev/kmsg"; mknod -m 666 "$R/dev/null" c 1 3; ln -s /proc/self/fd "$R/dev/fd"
mknod "$R/dev/loop-control" c 10 237
for i in $(seq 0 255); do mknod "$R/dev/loop$i" b 7 "$i"; done
mkdir -p "$R/dev/disk/by-label"
printf '%s\\n' "$CMDLINE" >"$T/cmdline-$$"; mount --bind "$T/cmdline-$$" "$R/proc/cmdline"
chroot "$R" /bin/bash -c "export NEWROOT=/sysroot hookdir=/usr/lib/dracut/hooks; . /lib/dracut-lib.sh; $SCRIPT"
`, { T: tmp.dir, TREE: tree, CMDLINE: cmdline, SCRIPT: script });

  it('installs the loader, the lib, the three hooks, bash and the tools the loader uses', async () => {
    const r = await run('find', [tree, '-path', '*livekit*']);
    const files = r.stdout.split('\n').map((f) => f.slice(tree.length));
    for (const f of [
      '/usr/sbin/livekit-loader',
      '/usr/lib/livekit-lib.sh',
      '/usr/lib/livekit-names.sh',
      '/usr/lib/dracut/hooks/cmdline/90-parse-livekit.sh',
      '/usr/lib/dracut/hooks/pre-udev/30-livekit-genrules.sh',
      '/usr/lib/dracut/hooks/initqueue/timeout/95-livekit-timeout.sh',
    ]) {
      expect(files).toContain(f);
    }
    const tools = await run('bash', ['-c', 'for t in bash mount umount cp stat readlink mkdir ln; do [ -x "$0/usr/bin/$t" ] || [ -x "$0/usr/sbin/$t" ] || [ -x "$0/bin/$t" ] || [ -x "$0/sbin/$t" ] || echo "missing $t"; done', tree]);
    expect(tools.stdout).toBe('');
  });

  it('cmdline + pre-udev hooks: root=livekit:CDLABEL= sets rootok, the udev rule and the device waits', async () => {
    const r = await inInitramfs('root=livekit:CDLABEL=LKTEST quiet', `
. $hookdir/cmdline/90-parse-livekit.sh
echo "root=$root rootok=$rootok"
mkdir -p /etc/udev/rules.d
. $hookdir/pre-udev/30-livekit-genrules.sh
cat /etc/udev/rules.d/90-livekit.rules
ls $hookdir/initqueue/finished/
cat $hookdir/initqueue/finished/90-livekit.sh`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('root=livekit:/dev/disk/by-label/LKTEST rootok=1\n');
    expect(r.stdout).toContain(
      'SYMLINK=="disk/by-label/LKTEST", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader $devnode"\n',
    );
    expect(r.stdout).toContain('devexists-\\x2fdev\\x2fdisk\\x2fby-label\\x2fLKTEST.sh\n');
    // the initqueue is finished once the loader wrote its last file
    expect(r.stdout).toContain('90-livekit.sh\n');
    expect(r.stdout).toMatch(/\n\[ -e \/run\/livekit\/boot-target \]\n$/);
  });

  it("cmdline + pre-udev hooks: AOSC's root=aosc-livekit:CDLABEL= too, a \\x20 in the label kept as udev names it", async () => {
    const r = await inInitramfs('root=aosc-livekit:CDLABEL=AOSC\\x20OS quiet', `
. $hookdir/cmdline/90-parse-livekit.sh
echo "root=$root rootok=$rootok"
mkdir -p /etc/udev/rules.d
. $hookdir/pre-udev/30-livekit-genrules.sh
cat /etc/udev/rules.d/90-livekit.rules`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('root=livekit:/dev/disk/by-label/AOSC\\x20OS rootok=1\n');
    expect(r.stdout).toContain(
      'SYMLINK=="disk/by-label/AOSC\\x20OS", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader $devnode"\n',
    );
  });

  it('leaves other root= alone', async () => {
    const r = await inInitramfs('root=/dev/vda1', '. $hookdir/cmdline/90-parse-livekit.sh; echo "root=$root rootok=${rootok:-unset}"; [ -e /tmp/livekit.root ] || echo no-state');
    expect(r.stdout).toBe('root=/dev/vda1 rootok=unset\nno-state\n');
  });

  it('the loader mounts the medium device (also at /run/livekit/livemnt), composes the Live root, runs the hooks, and writes boot-target last', async () => {
    const r = await inInitramfs('root=aosc-livekit:CDLABEL=LKTEST livekit.boot=server LANG=zh_CN.UTF-8', `
ln -s "../../$LOOPNAME" /dev/disk/by-label/LKTEST
/sbin/livekit-loader /dev/disk/by-label/LKTEST
echo "target=$(cat /run/livekit/boot-target) lang=$(cat /sysroot/etc/locale.conf)"
echo "sysroots=$(ls /sysroot/sysroots/ | tr '\\n' ' ')link=$(readlink /sysroot/sysroots)"
sed -n '$p' /sysroot/usr/lib/os-release
cat /sysroot/etc/aosc-hook
ls /run/livekit/livemnt/livekit/hooks`.replace('$LOOPNAME', loop.replace('/dev/', '')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'target=server lang=LANG=zh_CN.UTF-8\nsysroots=base desktop desktop-nvidia livekit server link=/run/livekit/sysroots\nVARIANT="Server"\nhook saw server\n10-mark.sh\n',
    );
  });

  it('a broken medium: the loader says what on the console and opens dracut\'s emergency shell', async () => {
    // A sysroot the medium lacks: fails after the medium is mounted and its config read. rd.ctty points
    // the emergency shell at /dev/null, so it ends at once here instead of waiting for a console.
    const r = await inInitramfs('root=livekit:CDLABEL=LKTEST livekit.boot=gaming rd.ctty=/dev/null', `
/sbin/livekit-loader ${loop} && echo unexpected-success
echo "rc=$?"
[ -e /run/initramfs/.die ] && echo die-marked
cat $hookdir/emergency/01-livekit.sh
cat /dev/kmsg`);
    expect(r.stdout).toContain('rc=1\n');
    // not dracut's die, which halts unless rd.shell is given
    expect(r.stdout).not.toContain('die-marked');
    expect(r.stdout).toContain('Dropping to debug shell.');
    expect(r.stdout).toContain('warn "LiveKit: unknown sysroot: livekit.boot=gaming is not on this medium');
    expect(r.stdout).toContain('<28>dracut Warning: LiveKit: unknown sysroot: livekit.boot=gaming'); // kmsg
    expect(r.stderr).toContain('LiveKit: unknown sysroot: livekit.boot=gaming is not on this medium');
  });

  it('the timeout hook: a medium that never appeared is named once, for the emergency shell dracut opens', async () => {
    const r = await inInitramfs('root=livekit:CDLABEL=NOWHERE', `
. $hookdir/cmdline/90-parse-livekit.sh
( . $hookdir/initqueue/timeout/95-livekit-timeout.sh ); echo "rc=$?"
( . $hookdir/initqueue/timeout/95-livekit-timeout.sh ); echo "rc=$?"
cat $hookdir/emergency/01-livekit.sh`);
    expect(r.stdout).toBe('rc=0\nrc=0\nwarn "LiveKit: medium CDLABEL=NOWHERE not found (/dev/disk/by-label/NOWHERE did not appear)"\n');
    expect(r.stderr.match(/LiveKit: medium CDLABEL=NOWHERE not found \(\/dev\/disk\/by-label\/NOWHERE did not appear\)/g)).toHaveLength(1);
  });

  it('the timeout hook stays quiet while the medium is there', async () => {
    const r = await inInitramfs('root=livekit:/dev/null', `
. $hookdir/cmdline/90-parse-livekit.sh
( . $hookdir/initqueue/timeout/95-livekit-timeout.sh ); echo "rc=$?"`);
    expect(r.stdout).toBe('rc=0\n');
  });
});
