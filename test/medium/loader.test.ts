// The boot module's loader (scripts/dracut/90livekit/livekit-loader.sh) in host mode, against real
// media built by the `tiny` recipe: real squashfs/EROFS loop mounts and overlays, each run inside
// its own `unshare -m` namespace so nothing leaks.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEEP_RECIPE, NEEDS_ROOT, boot, build, isRoot, run, tempDir } from './helpers.ts';

describe.skipIf(!isRoot)(`livekit-loader.sh against tiny media (${NEEDS_ROOT})`, () => {
  const tmp = isRoot ? tempDir('loader') : { dir: '', remove: () => {} };
  const medium = join(tmp.dir, 'tiny');
  const erofs = join(tmp.dir, 'tiny-erofs');

  beforeAll(async () => {
    const r = await build('tiny', medium, ['--separate', 'estimate']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => tmp.remove());

  /** A copy of the tiny medium to break in one way. */
  function brokenCopy(name: string, edit: (livekit: string) => void): string {
    const dir = join(tmp.dir, `broken-${name}`);
    cpSync(medium, dir, { recursive: true });
    edit(join(dir, 'livekit'));
    return dir;
  }
  const conf = (livekit: string): string => join(livekit, 'livekit.conf');
  const editConf = (livekit: string, f: (text: string) => string): void =>
    writeFileSync(conf(livekit), f(readFileSync(conf(livekit), 'utf8')));

  /**
   * A copy of the tiny medium with one more layer on base, `extra-layer` (its upper dir filled by the
   * Bash `fill` script with $1 = the dir, packed with mksquashfs), and a sysroot `extra` = base + it.
   */
  async function withExtraLayer(name: string, fill: string): Promise<string> {
    const dir = brokenCopy(name, (lk) =>
      editConf(lk, (t) =>
        t
          .replace('LAYERS=("desktop-common"', 'LAYERS=("extra-layer" "desktop-common"')
          .replace('SYSROOT_LAYERS=("base"', 'SYSROOT_LAYERS=("extra" "base"')
          .concat('SYSROOT_DEP_extra=("base" "extra-layer")\n'),
      ),
    );
    const upper = join(tmp.dir, `${name}-upper`);
    const mk = await run('bash', ['-euc', `mkdir -p "$1"\n${fill}\nmksquashfs "$1" "$2" -comp zstd -noappend -quiet -no-progress >/dev/null`,
      'x', upper, join(dir, 'livekit/layers/extra-layer.squashfs')]);
    expect(mk.code, mk.stderr).toBe(0);
    return dir;
  }

  const PACKAGES: Record<string, string[]> = {
    base: [],
    desktop: ['tiny-xorg', 'tiny-fonts', 'tiny-desktop-shell', 'tiny-browser'],
    server: ['tiny-sshd'],
    'desktop-nvidia': ['tiny-xorg', 'tiny-fonts', 'tiny-desktop-shell', 'tiny-browser', 'tiny-nvidia-driver'],
    livekit: ['tiny-xorg', 'tiny-fonts', 'tiny-installer'],
  };
  const VARIANT: Record<string, string> = { base: '', desktop: 'Desktop', server: 'Server', 'desktop-nvidia': 'Desktop', livekit: 'Live' };

  it('composes every sysroot read-only at $RUN/sysroots/<name> with its own content', async () => {
    const b = await boot(medium, '', `
for s in base desktop server desktop-nvidia livekit; do
  d="$RUN/sysroots/$s"
  echo "$s pkgs=$(cat "$d/var/lib/tiny-pkg/installed" 2>/dev/null | tr '\\n' ' ')"
  echo "$s variant=$(sed -n 's/^VARIANT="\\(.*\\)"/\\1/p' "$d/usr/lib/os-release")"
  echo "$s fstype=$(findmnt -n -o FSTYPE "$d") opts=$(findmnt -n -o OPTIONS "$d")"
done
for l in base desktop-common desktop server desktop-nvidia livekit; do echo "layer $l $(findmnt -n -o FSTYPE,OPTIONS "$RUN/layers/$l")"; done
echo "medium $(findmnt -n -o OPTIONS "$RUN/medium")"
echo "run $(findmnt -n -o FSTYPE "$RUN")"
`);
    expect(b.code, b.stderr).toBe(0);
    const lines = b.checks.split('\n');
    for (const s of Object.keys(PACKAGES)) {
      expect(lines).toContain(`${s} pkgs=${PACKAGES[s]!.map((p) => `${p} `).join('')}`);
      expect(lines).toContain(`${s} variant=${VARIANT[s]}`);
      const mount = lines.find((l) => l.startsWith(`${s} fstype=`))!;
      expect(mount).toMatch(s === 'base' ? /fstype=squashfs opts=ro,/ : /fstype=overlay opts=ro,/);
    }
    for (const l of ['base', 'desktop-common', 'desktop', 'server', 'desktop-nvidia', 'livekit']) {
      expect(lines.find((x) => x.startsWith(`layer ${l} `))).toMatch(/squashfs\s+ro,/);
    }
    expect(lines.find((l) => l.startsWith('medium '))).toMatch(/^medium ro[,]/);
    expect(lines).toContain('run tmpfs');
  });

  it('stacks lowerdir top first, in SYSROOT_DEP order reversed', async () => {
    const b = await boot(medium, '', 'findmnt -n -o OPTIONS "$RUN/sysroots/desktop-nvidia"');
    expect(b.code, b.stderr).toBe(0);
    const lower = /lowerdir=([^,]+)/.exec(b.checks)![1]!.split(':').map((p) => p.split('/').pop());
    expect(lower).toEqual(['desktop-nvidia', 'desktop', 'desktop-common', 'base']);
  });

  it('respects whiteouts, opaque and renamed (redirect) directories from upper layers', async () => {
    const b = await boot(medium, '', `
for s in base desktop server livekit; do
  d="$RUN/sysroots/$s"
  echo "$s doomed=$([ -e "$d/usr/share/tiny/doomed.txt" ] && echo present || echo gone)"
  echo "$s tiny.d=$(ls "$d/etc/tiny.d" | tr '\\n' ' ')"
  echo "$s old=$([ -e "$d/usr/share/tiny/old-name" ] && echo present || echo gone) new=$(cat "$d/usr/share/tiny/new-name/payload.txt" 2>/dev/null || echo none)"
done
echo "live doomed=$([ -e "$ROOT/usr/share/tiny/doomed.txt" ] && echo present || echo gone) new=$(cat "$ROOT/usr/share/tiny/new-name/payload.txt")"
`);
    expect(b.code, b.stderr).toBe(0);
    const lines = b.checks.split('\n');
    // base and server (no desktop-common) keep the originals
    for (const s of ['base', 'server']) {
      expect(lines).toContain(`${s} doomed=present`);
      expect(lines).toContain(`${s} tiny.d=base.conf other.conf `);
      expect(lines).toContain(`${s} old=present new=none`);
    }
    for (const s of ['desktop', 'livekit']) {
      expect(lines).toContain(`${s} doomed=gone`);
      expect(lines).toContain(`${s} tiny.d=desktop.conf `);
      expect(lines).toContain(`${s} old=gone new=moved by desktop-common`);
    }
    expect(lines).toContain('live doomed=gone new=moved by desktop-common');
  });

  it('puts the Live template on top: livekit has the Live user and the installer, desktop-nvidia shares desktop\'s, server has none', async () => {
    const check = `
echo "user=$(grep -c '^live:' "$ROOT/etc/passwd" || true)"
echo "installer=$([ -f "$ROOT/home/live/Desktop/installer.desktop" ] && echo yes || echo no)"
echo "autologin=$(cat "$ROOT/etc/tiny-autologin/autologin.conf" 2>/dev/null || echo none)"
echo "sysroot-user=$(grep -c '^live:' "$RUN/sysroots/$(cat "$RUN/boot-target")/etc/passwd" || true)"
echo "templates=$(ls "$RUN/templates" | tr '\\n' ' ')"`;
    const live = await boot(medium, 'livekit.boot=livekit', check);
    expect(live.code, live.stderr).toBe(0);
    expect(live.checks).toContain('user=1\ninstaller=yes\nautologin=user=live\nsysroot-user=0\ntemplates=livekit \n');
    const nvidia = await boot(medium, 'livekit.boot=desktop-nvidia', check);
    expect(nvidia.code, nvidia.stderr).toBe(0);
    expect(nvidia.checks).toContain('user=1\ninstaller=no\nautologin=user=live\nsysroot-user=0\ntemplates=desktop-nvidia \n');
    const server = await boot(medium, 'livekit.boot=server', check);
    expect(server.code, server.stderr).toBe(0);
    expect(server.checks).toContain('user=0\ninstaller=no\nautologin=none\nsysroot-user=0\ntemplates=\n');
  });

  it('makes the Live root writable while every sysroot and layer stays read-only (EROFS)', async () => {
    const b = await boot(medium, '', `
echo hello >"$ROOT/etc/written" && echo "root=$(cat "$ROOT/etc/written") upper=$(cat "$RUN/live/upper/etc/written")"
rm "$ROOT/usr/share/tiny/new-name/payload.txt" && echo "root-delete=ok"
for d in "$RUN"/sysroots/* "$RUN"/layers/* "$RUN/medium"; do
  out=$(touch "$d/probe" 2>&1) && echo "WRITABLE $d" || echo "$(basename "$d"): $out" | sed 's/.*: //'
done
echo "sysroot-still-has=$(cat "$RUN/sysroots/livekit/usr/share/tiny/new-name/payload.txt")"
`);
    expect(b.code, b.stderr).toBe(0);
    expect(b.checks).toContain('root=hello upper=hello');
    expect(b.checks).toContain('root-delete=ok');
    expect(b.checks).not.toContain('WRITABLE');
    const erofsLines = b.checks.split('\n').filter((l) => l === 'Read-only file system');
    expect(erofsLines.length).toBe(5 + 6 + 1); // 5 sysroots, 6 layers, the medium
    expect(b.checks).toContain('sysroot-still-has=moved by desktop-common');
  });

  it('applies LANG= to /etc/locale.conf, and writes none without LANG=', async () => {
    const zh = await boot(medium, 'livekit.boot=desktop LANG=zh_CN.UTF-8', 'cat "$ROOT/etc/locale.conf"; [ ! -e "$ROOT/etc/default/locale" ] && echo no-debian-file');
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.checks).toBe('LANG=zh_CN.UTF-8\nno-debian-file\n');
    const none = await boot(medium, '', '[ -e "$ROOT/etc/locale.conf" ] && echo present || echo absent');
    expect(none.checks).toBe('absent\n');
    const bad = await boot(medium, 'LANG=$(reboot)', '[ -e "$ROOT/etc/locale.conf" ] && echo present || echo absent');
    expect(bad.code).toBe(0);
    expect(bad.checks).toBe('absent\n');
    expect(bad.stderr).toContain('LiveKit: ignoring LANG=$(reboot): not a locale name');
  });

  it('also writes /etc/default/locale on a Debian-like sysroot', async () => {
    const dir = await withExtraLayer('debianish', 'mkdir -p "$1/etc"; echo 12.0 >"$1/etc/debian_version"');
    const b = await boot(dir, 'livekit.boot=extra LANG=zh_TW.UTF-8', 'cat "$ROOT/etc/locale.conf" "$ROOT/etc/default/locale"');
    expect(b.code, b.stderr).toBe(0);
    expect(b.checks).toBe('LANG=zh_TW.UTF-8\nLANG=zh_TW.UTF-8\n');
  });

  it('boots livekit.boot=<each sysroot>, else DEFAULT_BOOT_TARGET, else livekit', async () => {
    for (const s of Object.keys(PACKAGES)) {
      const b = await boot(medium, `livekit.boot=${s}`, 'cat "$RUN/boot-target"; { cat "$ROOT/var/lib/tiny-pkg/installed" 2>/dev/null || true; } | tr "\\n" " "');
      expect(b.code, b.stderr).toBe(0);
      expect(b.checks).toBe(`${s}\n${PACKAGES[s]!.map((p) => `${p} `).join('')}`);
      expect(b.stderr).toMatch(new RegExp(`LiveKit: booting ${s} \\(\\d+ layers`));
    }
    const byDefault = await boot(medium, '', 'cat "$RUN/boot-target"');
    expect(byDefault.checks).toBe('livekit\n');
    const server = brokenCopy('default-server', (lk) => editConf(lk, (t) => t.replace('DEFAULT_BOOT_TARGET="livekit"', 'DEFAULT_BOOT_TARGET="server"')));
    expect((await boot(server, '', 'cat "$RUN/boot-target"')).checks).toBe('server\n');
    const none = brokenCopy('no-default', (lk) => editConf(lk, (t) => t.replace(/^DEFAULT_BOOT_TARGET=.*$/m, '')));
    expect((await boot(none, '', 'cat "$RUN/boot-target"')).checks).toBe('livekit\n');
  });

  it('livekit.timing adds where the time went after the boot line: each phase and the uevents of the mounts', async () => {
    const plain = await boot(medium, 'livekit.boot=desktop');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('LiveKit: timing:');
    const b = await boot(medium, 'livekit.boot=desktop livekit.timing');
    expect(b.code, b.stderr).toBe(0);
    const lines = b.stderr.trim().split('\n').filter((l) => l.startsWith('LiveKit: '));
    expect(lines[0]).toMatch(/^LiveKit: booting desktop \(3 layers \+ template\) in (\d+) ms \(CPU \d+ ms\)$/);
    const m = /^LiveKit: timing: start (\d+) ms, medium (\d+) ms, config (\d+) ms, plan (\d+) ms, mounts (\d+) ms, finish (\d+) ms; (\d+) uevents during the mounts$/.exec(lines[1] ?? '');
    expect(m, lines.join('\n')).not.toBeNull();
    // The phases cover the boot line's figure (each is rounded down, so they may fall short by a few ms).
    const total = Number(/in (\d+) ms/.exec(lines[0]!)![1]);
    const phases = m!.slice(1, 7).map(Number).reduce((a, n) => a + n, 0);
    expect(phases).toBeLessThanOrEqual(total);
    expect(phases).toBeGreaterThanOrEqual(total - 6);
    // desktop's three layers and every other sysroot's images are new loop devices: at least one uevent each.
    expect(Number(m![7])).toBeGreaterThanOrEqual(3);
  });

  it('reads an AOSC-style config: single quotes, base listed in LAYERS, ${FSTYPE} in a template name', async () => {
    const aosc = brokenCopy('aosc-style', (lk) =>
      editConf(lk, (t) =>
        t
          .replace(/"/g, "'")
          .replace("LAYERS=('desktop-common'", "LAYERS=('base' 'desktop-common'")
          .replace("TEMPLATE_livekit='livekit.squashfs'", 'TEMPLATE_livekit="livekit.$FSTYPE"'),
      ),
    );
    expect(readFileSync(join(aosc, 'livekit/livekit.conf'), 'utf8')).toContain("LAYERS=('base' 'desktop-common'");
    const b = await boot(aosc, '', 'cat "$RUN/boot-target"; [ -f "$ROOT/home/live/Desktop/installer.desktop" ] && echo template; ls "$RUN/layers" | tr "\\n" " "');
    expect(b.code, b.stderr).toBe(0);
    expect(b.checks).toBe('livekit\ntemplate\nbase desktop desktop-common desktop-nvidia livekit server ');
  });

  it('links /sysroots in the Live root to the sysroots', async () => {
    const b = await boot(medium, '', 'readlink "$ROOT/sysroots"; [ "$(readlink "$ROOT/sysroots")" = "$RUN/sysroots" ] && echo same; ls "$ROOT/sysroots/" | tr "\\n" " "');
    expect(b.code, b.stderr).toBe(0);
    expect(b.checks).toContain('same\nbase desktop desktop-nvidia livekit server ');
  });

  it('livekit.ram copies every image into the tmpfs and mounts from there', async () => {
    const b = await boot(medium, 'livekit.ram livekit.boot=desktop', `
for l in base desktop-common desktop; do
  dev=$(findmnt -n -o SOURCE "$RUN/layers/$l")
  echo "$l $(cat "/sys/block/\${dev#/dev/}/loop/backing_file")"
done
ls "$RUN/ram" "$RUN/ram/layers" "$RUN/ram/templates" | tr '\\n' ' '
`);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('LiveKit: livekit.ram: copying');
    const lines = b.checks.split('\n');
    // (the backing file path is as the loop driver saw it from this namespace)
    expect(lines.find((l) => l.startsWith('base '))).toMatch(/\/run\/ram\/base\.squashfs$/);
    expect(lines.find((l) => l.startsWith('desktop '))).toMatch(/\/run\/ram\/layers\/desktop\.squashfs$/);
    expect(b.checks).toContain('desktop.squashfs');
    // the Live root still works from RAM
    const content = await boot(medium, 'livekit.ram', 'cat "$ROOT/home/live/Desktop/installer.desktop" | head -n1');
    expect(content.checks).toBe('[Desktop Entry]\n');
  });

  it('livekit.ram refuses when the tmpfs cannot hold the images, saying so', async () => {
    const b = await boot(medium, 'livekit.ram livekit.tmpfs-size=512k');
    expect(b.code).toBe(101);
    expect(b.stderr).toMatch(/LiveKit: livekit\.ram: the images need \d+ KiB but the tmpfs has \d+ KiB free/);
  });

  it('honours livekit.tmpfs-size= and rejects a malformed one', async () => {
    const ok = await boot(medium, 'livekit.tmpfs-size=64M', 'findmnt -n -o OPTIONS "$RUN"');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.checks).toContain('size=65536k');
    const bad = await boot(medium, 'livekit.tmpfs-size=lots');
    expect(bad.code).toBe(101);
    expect(bad.stderr).toContain('LiveKit: livekit.tmpfs-size=lots is not a size');
  });

  describe('each broken medium gives its own message and a non-zero exit', () => {
    const cases: [string, (lk: string) => void, string, string?][] = [
      ['config missing', (lk) => rmSync(conf(lk)), 'LiveKit: config missing: livekit/livekit.conf is not on the medium'],
      ['syntax error', (lk) => editConf(lk, (t) => t.replace('LAYERS=(', 'LAYERS=((')), 'LiveKit: config malformed: livekit/livekit.conf has a syntax error'],
      // (LAYERS and SYSROOT_LAYERS may be left out, as on AOSC media: test/medium/aosc.test.ts)
      ['LAYERS missing, layers used', (lk) => editConf(lk, (t) => t.replace(/^LAYERS=.*$/m, '')), 'LiveKit: config malformed: SYSROOT_DEP_desktop names "desktop-common", which is not in LAYERS'],
      ['LAYERS not an array', (lk) => editConf(lk, (t) => t.replace(/^LAYERS=.*$/m, 'LAYERS="desktop-common desktop"')), 'LiveKit: config malformed: LAYERS is not an array'],
      ['SYSROOT_LAYERS not an array', (lk) => editConf(lk, (t) => t.replace(/^SYSROOT_LAYERS=.*$/m, 'SYSROOT_LAYERS="desktop"')), 'LiveKit: config malformed: SYSROOT_LAYERS is not an array'],
      ['SYSROOT_DEP missing', (lk) => editConf(lk, (t) => t.replace(/^SYSROOT_DEP_desktop_nvidia=.*$/m, '')), 'LiveKit: config malformed: SYSROOT_DEP_desktop_nvidia is missing or not an array (sysroot desktop-nvidia)'],
      ['SYSROOT_DEP unknown layer', (lk) => editConf(lk, (t) => t.replace('SYSROOT_DEP_server=("base" "server")', 'SYSROOT_DEP_server=("base" "sever")')), 'LiveKit: config malformed: SYSROOT_DEP_server names "sever", which is not in LAYERS'],
      ['bad FSTYPE', (lk) => editConf(lk, (t) => t.replace('FSTYPE="squashfs"', 'FSTYPE="ext4"')), 'LiveKit: config malformed: FSTYPE="ext4" (want squashfs or erofs)'],
      ['layer file missing', (lk) => rmSync(join(lk, 'layers/desktop.squashfs')), 'LiveKit: layer file missing: livekit/layers/desktop.squashfs (layer desktop)'],
      ['base missing', (lk) => rmSync(join(lk, 'base.squashfs')), 'LiveKit: layer file missing: livekit/base.squashfs (layer base)'],
      ['layer not an image', (lk) => writeFileSync(join(lk, 'layers/server.squashfs'), 'not a filesystem'), 'LiveKit: cannot mount layers/server.squashfs (is it a squashfs image?)'],
      ['unknown DEFAULT_BOOT_TARGET', (lk) => editConf(lk, (t) => t.replace('DEFAULT_BOOT_TARGET="livekit"', 'DEFAULT_BOOT_TARGET="gaming"')), 'LiveKit: unknown sysroot: DEFAULT_BOOT_TARGET=gaming is not on this medium (sysroots: base desktop server desktop-nvidia livekit)'],
      ['unknown livekit.boot=', () => {}, 'LiveKit: unknown sysroot: livekit.boot=nope is not on this medium (sysroots: base desktop server desktop-nvidia livekit)', 'livekit.boot=nope'],
    ];
    for (const [name, edit, message, cmdline] of cases) {
      it(name, async () => {
        const dir = brokenCopy(name.replace(/\W+/g, '-'), edit);
        const b = await boot(dir, cmdline ?? '');
        expect(b.code, b.stderr).toBe(101);
        expect(b.stderr).toContain(message);
        expect(b.stderr.trim().split('\n').filter((l) => l.startsWith('LiveKit: ')).length).toBe(1);
      });
    }

    it('a sysroot without os-release', async () => {
      // A top layer whose whiteouts (char devices 0/0) delete both os-release files.
      const dir = await withExtraLayer('no-os-release', 'mkdir -p "$1/etc" "$1/usr/lib"; mknod "$1/etc/os-release" c 0 0; mknod "$1/usr/lib/os-release" c 0 0');
      const b = await boot(dir, 'livekit.boot=extra');
      expect(b.code).toBe(101);
      expect(b.stderr).toContain('LiveKit: sysroot extra has no /etc/os-release (or /usr/lib/os-release): refusing to boot it');
      // the other sysroots of that medium still boot
      const ok = await boot(dir, 'livekit.boot=server', 'cat "$RUN/boot-target"');
      expect(ok.code, ok.stderr).toBe(0);
    });
  });

  it('boots an EROFS medium the same way (whiteout, opaque dir, redirect, template)', async () => {
    const r = await build('tiny', erofs, ['--fstype', 'erofs', '--separate', 'estimate']);
    expect(r.code, r.stderr).toBe(0);
    const b = await boot(erofs, 'livekit.boot=livekit', `
echo "fs=$(findmnt -n -o FSTYPE "$RUN/layers/desktop-common")"
[ -e "$ROOT/usr/share/tiny/doomed.txt" ] && echo doomed-present || echo doomed-gone
ls "$ROOT/etc/tiny.d" | tr '\\n' ' '; echo
cat "$ROOT/usr/share/tiny/new-name/payload.txt"
[ -f "$ROOT/home/live/Desktop/installer.desktop" ] && echo installer`);
    expect(b.code, b.stderr).toBe(0);
    expect(b.checks).toBe('fs=erofs\ndoomed-gone\ndesktop.conf \nmoved by desktop-common\ninstaller\n');
  });

  it('composes a 20-layer stack (and its 10-layer half) with every whiteout respected', async () => {
    const recipe = join(tmp.dir, 'deep20.recipe');
    const deep = join(tmp.dir, 'deep20');
    expect((await run(DEEP_RECIPE, ['20', recipe])).code).toBe(0);
    const r = await build(recipe, deep, ['--separate', 'estimate']);
    expect(r.code, r.stderr).toBe(0);
    const b = await boot(deep, 'LANG=en_US.UTF-8', `
ls "$ROOT/usr/share/deep" | sort -V | tr '\\n' ' '; echo
ls "$RUN/sysroots/half/usr/share/deep" | sort -V | tr '\\n' ' '; echo
findmnt -n -o OPTIONS "$ROOT" | grep -o 'lowerdir=[^,]*' | tr ':' '\\n' | wc -l`);
    expect(b.code, b.stderr).toBe(0);
    const [all, half, lowers] = b.checks.trim().split('\n');
    expect(all).toBe([...Array.from({ length: 20 }, (_, i) => String(i + 1)), 'marker-20'].join(' ') + ' ');
    expect(half).toBe([...Array.from({ length: 10 }, (_, i) => String(i + 1)), 'marker-10'].join(' ') + ' ');
    expect(Number(lowers)).toBe(21);
    expect(b.stderr).toMatch(/LiveKit: booting deep \(21 layers\)/);
    // With a --run path so long that 21 absolute lower dirs would pass a page (4096 bytes), the
    // loader mounts with paths relative to $RUN instead.
    const long = 'r'.repeat(200);
    const l = await boot(deep, '', 'cat "$ROOT/usr/share/deep/marker-20"; findmnt -n -o OPTIONS "$ROOT" | grep -o "lowerdir=[^,]*"', long);
    expect(l.code, l.stderr).toBe(0);
    expect(l.checks).toBe(`20\nlowerdir=${Array.from({ length: 20 }, (_, i) => `layers/layer-${20 - i}`).join(':')}:layers/base\n`);
  });
});
