// Drop-in compatibility with AOSC OS LiveKit media, both ways (issue 15), on real squashfs and EROFS
// media in private mount namespaces:
//  - our loader and engine on media in AOSC's layout (their livekit.conf constructs as their builder
//    writes them, stray entries included; manifest/recipe*.json instead of sysroots.json; hooks;
//    AOSC's base-only LiveKit config);
//  - AOSC's loader's expectations (test/fixtures/aosc/, re-expressed: their module has no licence)
//    on the medium our mklive builds with --aosc.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_ROOT, REPO, boot, build, inNamespace, isRoot, run, tempDir } from './helpers.ts';

const EXPECTATIONS = join(REPO, 'test/fixtures/aosc/aosc-loader-expectations.sh');
const LIVEKIT_CLI = join(REPO, 'bin/livekit');
const SYSROOTS = ['base', 'desktop', 'desktop-nvidia', 'livekit', 'server'];

/** Titles in AOSC's recipe-i18n.json of the AOSC-layout media (not the tiny recipe's own). */
const AOSC_TITLES: Record<string, Record<string, string>> = {
  en: { desktop: 'AOSC-form Desktop', 'desktop-nvidia': 'AOSC-form Desktop (NVIDIA)', server: 'AOSC-form Server', base: 'AOSC-form Base' },
  'zh-CN': { desktop: '桌面版', 'desktop-nvidia': '桌面版（NVIDIA 显卡）', server: '服务器版', base: '基础版' },
  'zh-TW': { desktop: '桌面版', 'desktop-nvidia': '桌面版（NVIDIA 顯示卡）', server: '伺服器版', base: '基礎版' },
};

/** livekit.conf as aosc-mklive writes its installer's: shebang, FSTYPE, dump_array lists, the shared part. */
function aoscInstallerConf(fstype: string): string {
  return [
    '#!/bin/bash',
    `FSTYPE=${fstype}`,
    'LAYERS=("desktop-common" "desktop" "server" "desktop-nvidia" "livekit")',
    'SYSROOT_LAYERS=("desktop" "server" "desktop-nvidia" "livekit")',
    'SYSROOT_DEP_desktop=("base" "desktop-common" "desktop")',
    'SYSROOT_DEP_livekit=("base" "desktop-common" "livekit")',
    '',
    'SYSROOT_DEP_server=("base" "server")',
    'SYSROOT_DEP_desktop_nvidia=("base" "desktop-common" "desktop" "desktop-nvidia")',
    'SYSROOT_DEP_desktop_loonggpu=("base" "desktop-common" "desktop" "dkms-common" "driver-loonggpu")',
    'SYSROOT_DEP_livekit_loonggpu=("base" "desktop-common" "livekit" "dkms-common" "driver-loonggpu")',
    '',
    'TEMPLATE_desktop_nvidia="desktop.$FSTYPE"',
    'TEMPLATE_desktop_loonggpu="desktop.$FSTYPE"',
    'TEMPLATE_livekit_loonggpu="livekit.$FSTYPE"',
    '',
  ].join('\n');
}

/** recipe.json in the shape aosc-mklive's gen-recipe writes (installable variants, base last). */
function aoscRecipe(): string {
  const variant = (s: string, instSize: number, inodes: number) => ({
    name: AOSC_TITLES['en']![s],
    'name-tr': `${s}-name`,
    retro: false,
    description: `${s} (English description)`,
    'description-tr': `${s}-description`,
    'dir-name': s,
    tarballs: [],
    squashfs: [{ arch: 'amd64', downloadSize: 0, instSize, path: `/run/livekit/sysroots/${s}`, sha256sum: '', inodes, date: '20261130' }],
  });
  return JSON.stringify({
    ver: 1,
    bulletin: { type: 'info', title: 'T', 'title-tr': 'bulletin-title', body: 'B', 'body-tr': 'bulletin-body' },
    variants: [variant('desktop', 7_000_001, 101), variant('desktop-nvidia', 7_000_002, 102), variant('server', 7_000_003, 103), variant('base', 7_000_004, 104)],
    mirrors: [],
  });
}

function aoscI18n(): string {
  const catalog: Record<string, Record<string, string>> = {};
  for (const [lang, titles] of Object.entries(AOSC_TITLES)) {
    catalog[lang] = { 'bulletin-title': 'T', 'bulletin-body': 'B' };
    for (const [s, t] of Object.entries(titles)) {
      catalog[lang]![`${s}-name`] = t;
      catalog[lang]![`${s}-description`] = `${s} (${lang})`;
    }
  }
  return JSON.stringify(catalog);
}

/** Hooks in the manner of aosc-mklive's hooks/ (their locale hook: `i`, $CMDLINEFILE, /sysroot). */
const HOOKS: Record<string, string> = {
  '10-apply-locale.sh': `#!/bin/bash
LANG=C.UTF-8
for cmd in $(cat "\${CMDLINEFILE:-/proc/cmdline}"); do
  case $cmd in LANG=*) LANG=\${cmd#LANG=} ;; esac
done
echo "10 $TARGET" >>"\${NEWROOT:-/sysroot}/etc/hooks.log"
if [ "$LANG" = C.UTF-8 ]; then return; fi
i "Applying language selection ($LANG) ..."
echo "LANG=$LANG" >"\${NEWROOT:-/sysroot}/etc/locale.conf"
`,
  '20-mark.sh': `#!/bin/bash
echo "20 $(bash -c 'echo "exported TARGET=$TARGET"')" >>"\${NEWROOT:-/sysroot}/etc/hooks.log"
`,
  'README': 'not a hook: only *.sh are sourced\n',
};

function writeHooks(livekit: string): void {
  mkdirSync(join(livekit, 'hooks'), { recursive: true });
  for (const [name, text] of Object.entries(HOOKS)) writeFileSync(join(livekit, 'hooks', name), text);
}

describe.skipIf(!isRoot)(`AOSC OS LiveKit media, both ways (${NEEDS_ROOT})`, () => {
  const tmp = isRoot ? tempDir('aosc') : { dir: '', remove: () => {} };
  const ours = join(tmp.dir, 'ours');
  const oursErofs = join(tmp.dir, 'ours-erofs');
  const plain = join(tmp.dir, 'plain');

  beforeAll(async () => {
    for (const [out, extra] of [
      [ours, ['--aosc']],
      [oursErofs, ['--aosc', '--fstype', 'erofs']],
      [plain, []],
    ] as const) {
      const r = await build('tiny', out, ['--separate', 'estimate', ...extra]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => tmp.remove());

  /** A medium in AOSC's installer layout, made of the images of one of ours. */
  function aoscInstaller(from: string, fstype: string, name: string): string {
    const dir = join(tmp.dir, name);
    cpSync(join(from, 'livekit'), join(dir, 'livekit'), { recursive: true });
    rmSync(join(dir, 'livekit/sysroots.json'));
    rmSync(join(dir, 'livekit/hooks'), { recursive: true, force: true });
    writeFileSync(join(dir, 'livekit/livekit.conf'), aoscInstallerConf(fstype));
    mkdirSync(join(dir, 'manifest'));
    writeFileSync(join(dir, 'manifest/recipe.json'), aoscRecipe());
    writeFileSync(join(dir, 'manifest/recipe-i18n.json'), aoscI18n());
    writeHooks(join(dir, 'livekit'));
    return dir;
  }

  describe('mklive --aosc', () => {
    it("writes AOSC's livekit.conf: base out of SYSROOT_LAYERS, SYSROOT_DEP_base=(\"base\") kept for livekit.boot=base", () => {
      const conf = readFileSync(join(ours, 'livekit/livekit.conf'), 'utf8');
      expect(conf).toContain('SYSROOT_LAYERS=("desktop" "server" "desktop-nvidia" "livekit")\n');
      expect(conf).toContain('SYSROOT_DEP_base=("base")\n');
      expect(conf).toMatch(/^LAYERS=\("desktop-common" "desktop" "server" "desktop-nvidia" "livekit"\)$/m);
      // without --aosc, base stays listed (the form our own loader and engine read too)
      expect(readFileSync(join(plain, 'livekit/livekit.conf'), 'utf8')).toContain('SYSROOT_LAYERS=("base" "desktop"');
      // the locale hook goes only onto --aosc media (our loader applies LANG= itself)
      expect(readdirSync(join(ours, 'livekit/hooks'))).toEqual(['10-locale.sh']);
      expect(existsSync(join(plain, 'livekit/hooks'))).toBe(false);
    });

    it('writes manifest/recipe.json and recipe-i18n.json from the same texts and measurement as sysroots.json', () => {
      for (const medium of [ours, plain]) {
        const json = JSON.parse(readFileSync(join(medium, 'livekit/sysroots.json'), 'utf8'));
        const recipe = JSON.parse(readFileSync(join(medium, 'manifest/recipe.json'), 'utf8'));
        const i18n = JSON.parse(readFileSync(join(medium, 'manifest/recipe-i18n.json'), 'utf8'));
        expect(recipe.ver).toBe(1);
        expect(recipe.bulletin).toMatchObject({ 'title-tr': 'bulletin-title', title: 'Welcome to LiveKit Tiny' });
        // installable variants only (livekit is Live-only), base last, as AOSC's builder orders them
        expect(recipe.variants.map((v: { 'dir-name': string }) => v['dir-name'])).toEqual(['desktop', 'server', 'desktop-nvidia', 'base']);
        expect(Object.keys(i18n).sort()).toEqual(['en', 'zh-CN', 'zh-TW']);
        for (const v of recipe.variants) {
          const s = v['dir-name'];
          expect(v.squashfs).toEqual([expect.objectContaining({ arch: 'amd64', instSize: json[s].size, inodes: json[s].inodes, path: `/run/livekit/sysroots/${s}` })]);
          expect(v.name).toBe(json[s].title.en);
          expect(i18n['en'][v['name-tr']]).toBe(json[s].title.en);
          expect(i18n['zh-CN'][v['name-tr']]).toBe(json[s].title.zh_CN);
          expect(i18n['zh-TW'][v['name-tr']]).toBe(json[s].title.zh_TW);
          expect(i18n['zh-CN'][v['description-tr']]).toBe(json[s].description.zh_CN);
        }
      }
    });

    it('writes root=aosc-livekit: into the GRUB menu with --aosc (mkmenu), root=livekit: without; base has an entry', async () => {
      for (const [args, want] of [[['--aosc'], 'aosc-livekit'], [[], 'livekit']] as const) {
        const out = join(tmp.dir, `grub-${want}`);
        const r = await run('bash', [join(REPO, 'scripts/grub/mkmenu.sh'), '--medium', ours, '--out', out, '--label', 'LKAOSC', ...args]);
        expect(r.code, r.stderr).toBe(0);
        expect(readFileSync(join(out, 'livekit/env.cfg'), 'utf8')).toContain(`set livekit_root="${want}"\n`);
        expect(readFileSync(join(out, 'livekit/sysroots.cfg'), 'utf8')).toContain("--id 'sysroot-base' { livekit_linux \"base\"; }");
      }
      expect(readFileSync(join(REPO, 'scripts/grub/boot.cfg'), 'utf8')).toContain('linux /boot/vmlinuz root=${livekit_root}:CDLABEL=${livekit_label} livekit.boot=$1');
    });
  });

  describe("AOSC's loader expectations (E1-E9) on our media", () => {
    const expectations = (medium: string, cmdline: string, check = 'true') =>
      inNamespace(`mkdir -p "$T/root"
bash "$EXPECTATIONS" "$MEDIUM" "$T/run" "$T/root" "$CMDLINE"
${check}`, { T: join(tmp.dir, `exp-${Math.random().toString(36).slice(2)}`), EXPECTATIONS, MEDIUM: medium, CMDLINE: cmdline });

    for (const [name, medium] of [['squashfs', () => ours], ['EROFS', () => oursErofs]] as const) {
      it(`hold on the --aosc medium (${name}) for every sysroot, template and all`, async () => {
        for (const s of SYSROOTS) {
          const r = await expectations(medium(), `livekit.boot=${s} LANG=zh_CN.UTF-8`, 'cat "$T/root/etc/locale.conf"; [ -e "$T/root/home/live" ] && echo live-user || echo no-live-user');
          expect(r.code, r.stderr).toBe(0);
          const steps = r.stderr.split('\n').filter((l) => l.startsWith('AOSC-step '));
          expect(steps).toContain('AOSC-step E3 base');
          expect(steps).toContain(`AOSC-step E6 target ${s}`);
          // our locale hook applies the menu's LANG= under their module, which has no other way to
          expect(steps).toContain('AOSC-step E9 hook 10-locale.sh');
          expect(steps.at(-1)).toBe(`AOSC-step done ${s}`);
          expect(r.stdout).toBe(`LANG=zh_CN.UTF-8\n${s === 'livekit' || s.startsWith('desktop') ? 'live-user' : 'no-live-user'}\n`);
        }
      });
    }

    it('fail on a medium that lists base in SYSROOT_LAYERS (an overlay of one lower dir): why --aosc leaves it out', async () => {
      const r = await expectations(plain, 'livekit.boot=desktop');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('AOSC-step E4 layer livekit');
      expect(r.stderr).not.toContain('AOSC-step E5 sysroot base');
    });

    it("hold on AOSC's own installer layout too (the script is a faithful reading), hooks included", async () => {
      const dir = aoscInstaller(ours, 'squashfs', 'aosc-exp');
      const r = await expectations(dir, 'livekit.boot=desktop-nvidia LANG=zh_CN.UTF-8', 'cat "$T/root/etc/hooks.log" "$T/root/etc/locale.conf"');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('10 desktop-nvidia\n20 exported TARGET=desktop-nvidia\nLANG=zh_CN.UTF-8\n');
    });
  });

  describe('our loader on AOSC media', () => {
    for (const [name, from, fstype] of [['squashfs', () => ours, 'squashfs'], ['EROFS', () => oursErofs, 'erofs']] as const) {
      it(`boots every variant of AOSC's installer layout (${name}): stray entries ignored with a warning, hooks run in order with TARGET exported`, async () => {
        const dir = aoscInstaller(from(), fstype, `aosc-installer-${fstype}`);
        for (const s of SYSROOTS) {
          const b = await boot(dir, `livekit.boot=${s} LANG=zh_TW.UTF-8`, 'ls "$RUN/sysroots" | tr "\\n" " "; echo; cat "$ROOT/etc/hooks.log" "$ROOT/etc/locale.conf"; tail -n1 "$ROOT/etc/os-release"');
          expect(b.code, b.stderr).toBe(0);
          const [sysroots, ...rest] = b.checks.split('\n');
          expect(sysroots).toBe('base desktop desktop-nvidia livekit server ');
          expect(rest.slice(0, 3)).toEqual([`10 ${s}`, `20 exported TARGET=${s}`, 'LANG=zh_TW.UTF-8']);
          const warnings = b.stderr.split('\n').filter((l) => l.startsWith('LiveKit: ignoring '));
          expect(warnings).toEqual([
            'LiveKit: ignoring SYSROOT_DEP_desktop_loonggpu: no sysroot desktop-loonggpu in SYSROOT_LAYERS',
            'LiveKit: ignoring SYSROOT_DEP_livekit_loonggpu: no sysroot livekit-loonggpu in SYSROOT_LAYERS',
            'LiveKit: ignoring TEMPLATE_desktop_loonggpu: no sysroot desktop-loonggpu in SYSROOT_LAYERS',
            'LiveKit: ignoring TEMPLATE_livekit_loonggpu: no sysroot livekit-loonggpu in SYSROOT_LAYERS',
          ]);
          expect(b.stderr).toContain('LiveKit: Applying language selection (zh_TW.UTF-8) ...');
          expect(b.stderr).toMatch(new RegExp(`LiveKit: booting ${s} \\(`));
        }
      });
    }

    it('composes base though SYSROOT_LAYERS leaves it out, boots livekit.boot=base, and shows the medium at $RUN/livemnt too', async () => {
      const b = await boot(ours, 'livekit.boot=base', `
cat "$RUN/boot-target"
findmnt -n -o TARGET "$RUN/sysroots/base"
findmnt -n -o OPTIONS "$RUN/livemnt" | tr , '\\n' | grep -x ro
cmp "$RUN/livemnt/livekit/livekit.conf" "$RUN/medium/livekit/livekit.conf" && echo same-medium
[ -e "$ROOT/usr/share/tiny/doomed.txt" ] && echo base-content`);
      expect(b.code, b.stderr).toBe(0);
      expect(b.checks).toMatch(/^base\n.*\/sysroots\/base\nro\nsame-medium\nbase-content\n$/);
      expect(b.stderr).toMatch(/LiveKit: booting base \(1 layers\)/);
    });

    it("boots AOSC's LiveKit config (SYSROOT_DEP_base and FSTYPE only, no LAYERS) with livekit.boot=base, and the config without LAYERS at all", async () => {
      for (const conf of ["# AOSC OS LiveKit config\nSYSROOT_DEP_base=('base')\nFSTYPE=squashfs\n", 'FSTYPE=squashfs\n']) {
        const dir = join(tmp.dir, `aosc-livekit-${conf.length}`);
        mkdirSync(join(dir, 'livekit'), { recursive: true });
        cpSync(join(ours, 'livekit/base.squashfs'), join(dir, 'livekit/base.squashfs'));
        writeFileSync(join(dir, 'livekit/livekit.conf'), conf);
        writeHooks(join(dir, 'livekit'));
        const b = await boot(dir, 'livekit.boot=base', 'cat "$RUN/boot-target" "$ROOT/etc/hooks.log"; ls "$RUN/sysroots"');
        expect(b.code, b.stderr).toBe(0);
        expect(b.checks).toBe('base\n10 base\n20 exported TARGET=base\nbase\n');
        // without livekit.boot= the default target is livekit, which this medium lacks (AOSC: the same)
        const none = await boot(dir, '');
        expect(none.code).toBe(101);
        expect(none.stderr).toContain('LiveKit: unknown sysroot: the default sysroot livekit is not on this medium (sysroots: base)');
      }
    });

    it('falls back to <target>.<fstype> with a warning when the named template file is missing', async () => {
      const dir = aoscInstaller(ours, 'squashfs', 'aosc-missing-template');
      writeFileSync(join(dir, 'livekit/livekit.conf'), aoscInstallerConf('squashfs') + 'TEMPLATE_livekit="gone.$FSTYPE"\nTEMPLATE_server="gone.$FSTYPE"\n');
      const live = await boot(dir, 'livekit.boot=livekit', '[ -f "$ROOT/home/live/Desktop/installer.desktop" ] && echo template');
      expect(live.code, live.stderr).toBe(0);
      expect(live.stderr).toContain('LiveKit: template file missing: livekit/templates/gone.squashfs (sysroot livekit); trying templates/livekit.squashfs');
      expect(live.checks).toBe('template\n');
      expect(live.stderr).toMatch(/LiveKit: booting livekit \(3 layers \+ template\)/);
      // no fallback file either: boots without a template, as AOSC's loader does
      const server = await boot(dir, 'livekit.boot=server', '[ -e "$ROOT/home/live" ] || echo no-template');
      expect(server.code, server.stderr).toBe(0);
      expect(server.stderr).toContain('LiveKit: template file missing: livekit/templates/gone.squashfs (sysroot server); trying templates/server.squashfs');
      expect(server.checks).toBe('no-template\n');
    });
  });

  it("our engine lists every variant of AOSC's layout with AOSC's titles in zh-CN and en (composed by our loader, read at $RUN/livemnt)", async () => {
    const dir = aoscInstaller(oursErofs, 'erofs', 'aosc-engine');
    // (paths without quotes: safe inside single quotes)
    const list = (lang: string) => `cd '${REPO}' && LANG=${lang} '${LIVEKIT_CLI}' sysroots --json --medium "$RUN/livemnt" --sysroots "$RUN/sysroots" --cmdline-file /dev/null`;
    const b = await boot(dir, '', `${list('zh_CN.UTF-8')}\necho ===\n${list('en_US.UTF-8')}`);
    expect(b.code, b.stderr).toBe(0);
    const [zh, en] = b.checks.split('===\n').map((part) => JSON.parse(part.trim()) as { name: string; title: string; sizeBytes: number; inodes: number; layers: string[] }[]);
    expect(zh!.map((s) => s.name)).toEqual(['base', 'desktop', 'server', 'desktop-nvidia', 'livekit']);
    const title = (list: typeof zh, name: string) => list!.find((s) => s.name === name)!.title;
    for (const s of ['base', 'desktop', 'desktop-nvidia', 'server']) {
      expect(title(zh, s)).toBe(AOSC_TITLES['zh-CN']![s]);
      expect(title(en, s)).toBe(AOSC_TITLES['en']![s]);
    }
    // livekit is not in AOSC's recipe (Live-only): its os-release names it
    expect(title(en, 'livekit')).toBe('LiveKit Tiny 1');
    expect(zh!.find((s) => s.name === 'desktop')).toMatchObject({ sizeBytes: 7_000_001, inodes: 101, layers: ['base', 'desktop-common', 'desktop'] });
    expect(zh!.find((s) => s.name === 'base')!.layers).toEqual(['base']);
    // the stray entries reach the engine's warnings too
    expect(b.stderr).toContain('ignoring SYSROOT_DEP_desktop_loonggpu: no sysroot "desktop_loonggpu"');
  });
});
