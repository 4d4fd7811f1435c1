// The build module (scripts/mklive/mklive) with the `tiny` recipe: real overlays, chroots,
// mksquashfs; incremental rebuilds; the metadata it writes, read back by the engine's parsers.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLivekitConf } from '../../electron/engine/medium/config.ts';
import { parseSysrootsJson } from '../../electron/engine/medium/sysroots-json.ts';
import { MKLIVE, NEEDS_ROOT, REPO, build, inNamespace, isRoot, run, tempDir } from './helpers.ts';

interface Report {
  recipe: string;
  fstype: string;
  comp: string;
  built: string[];
  files: { kind: string; name: string; file: string; bytes: number }[];
  medium_bytes: number;
  sysroots: { name: string; size: number; inodes: number; separate_bytes: number }[];
  separate_method: string;
  separate_bytes: number;
  saving_bytes: number;
}

const report = (out: string): Report => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
const mtimes = (out: string): Record<string, number> => {
  const m: Record<string, number> = {};
  for (const sub of ['', 'layers', 'templates']) {
    for (const f of readdirSync(join(out, 'livekit', sub))) {
      const p = join(out, 'livekit', sub, f);
      if (f.endsWith('.squashfs')) m[join(sub, f)] = statSync(p).mtimeMs;
    }
  }
  return m;
};

describe.skipIf(!isRoot)(`mklive build --recipe tiny (${NEEDS_ROOT})`, () => {
  const tmp = isRoot ? tempDir('build') : { dir: '', remove: () => {} };
  const out = join(tmp.dir, 'medium');
  let first: Awaited<ReturnType<typeof build>>;

  beforeAll(async () => {
    first = await build('tiny', out);
  });
  afterAll(() => tmp.remove());

  it('builds the medium layout: base, layers, templates, livekit.conf, sysroots.json', () => {
    expect(first.code, first.stderr).toBe(0);
    const lk = join(out, 'livekit');
    expect(readdirSync(lk).sort()).toEqual(['base.squashfs', 'layers', 'livekit.conf', 'sysroots.json', 'templates']);
    // build stamps stay outside the medium's tree
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
    expect(walk(lk).filter((f) => f.endsWith('.hash'))).toEqual([]);
    expect(existsSync(join(out, '.stamps/base.squashfs.hash'))).toBe(true);
    expect(readdirSync(join(lk, 'layers')).filter((f) => f.endsWith('.squashfs')).sort()).toEqual(
      ['desktop-common', 'desktop-nvidia', 'desktop', 'livekit', 'server'].map((l) => `${l}.squashfs`).sort(),
    );
    expect(readdirSync(join(lk, 'templates')).filter((f) => f.endsWith('.squashfs')).sort()).toEqual(['desktop.squashfs', 'livekit.squashfs']);
    expect(report(out).built).toEqual([
      'base', 'layer:desktop-common', 'layer:desktop', 'layer:server', 'layer:desktop-nvidia', 'layer:livekit', 'template:desktop', 'template:livekit',
    ]);
  });

  it('writes a livekit.conf that Bash and the engine parser both read back the same', async () => {
    const text = readFileSync(join(out, 'livekit/livekit.conf'), 'utf8');
    const parsed = parseLivekitConf(text, 'livekit.conf');
    expect(parsed).toEqual({
      layers: ['desktop-common', 'desktop', 'server', 'desktop-nvidia', 'livekit'],
      sysroots: ['base', 'desktop', 'server', 'desktop-nvidia', 'livekit'],
      deps: {
        base: ['base'],
        desktop: ['base', 'desktop-common', 'desktop'],
        server: ['base', 'server'],
        'desktop-nvidia': ['base', 'desktop-common', 'desktop', 'desktop-nvidia'],
        livekit: ['base', 'desktop-common', 'livekit'],
      },
      templates: { desktop: 'desktop.squashfs', 'desktop-nvidia': 'desktop.squashfs', livekit: 'livekit.squashfs' },
      defaultBootTarget: 'livekit',
      fstype: 'squashfs',
    });
    const bash = await run('bash', ['-c', 'source "$1"; echo "${LAYERS[*]}|${SYSROOT_LAYERS[*]}|${SYSROOT_DEP_desktop_nvidia[*]}|$TEMPLATE_desktop_nvidia|$DEFAULT_BOOT_TARGET|$FSTYPE"', 'x', join(out, 'livekit/livekit.conf')]);
    expect(bash.stdout).toBe('desktop-common desktop server desktop-nvidia livekit|base desktop server desktop-nvidia livekit|base desktop-common desktop desktop-nvidia|desktop.squashfs|livekit|squashfs\n');
  });

  it('writes sysroots.json with translations, measured sizes and inode counts, installable flags and hints', async () => {
    const meta = parseSysrootsJson(readFileSync(join(out, 'livekit/sysroots.json'), 'utf8'), 'sysroots.json');
    expect(Object.keys(meta)).toEqual(['base', 'desktop', 'server', 'desktop-nvidia', 'livekit']);
    for (const [name, m] of Object.entries(meta)) {
      expect(Object.keys(m.title!).sort(), name).toEqual(['en', 'zh_CN', 'zh_TW']);
      expect(Object.keys(m.description!).sort(), name).toEqual(['en', 'zh_CN', 'zh_TW']);
      expect(m.installable, name).toBe(name !== 'livekit');
    }
    expect(meta['desktop-nvidia']!.hints).toEqual({ gpu: 'nvidia' });
    expect(meta['server']!.title!['zh_TW']).toBe('伺服器');
    // Measured on the composed sysroot: compare with an independent count over the same overlay.
    const r = await inNamespace(`
mkdir -p "$T/l1" "$T/l2" "$T/l3" "$T/s"
mount -t squashfs -o ro,loop "$M/livekit/base.squashfs" "$T/l1"
mount -t squashfs -o ro,loop "$M/livekit/layers/desktop-common.squashfs" "$T/l2"
mount -t squashfs -o ro,loop "$M/livekit/layers/desktop.squashfs" "$T/l3"
mount -t overlay x -o "ro,lowerdir=$T/l3:$T/l2:$T/l1,redirect_dir=follow" "$T/s"
echo "$(du -sb "$T/s" | cut -f1) $(find "$T/s" | wc -l)"`, { T: tmp.dir, M: out });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${meta['desktop']!.size} ${meta['desktop']!.inodes}`);
    expect(meta['desktop']!.size).toBeGreaterThan(1_000_000); // busybox alone is ~2 MB
    expect(meta['desktop-nvidia']!.inodes).toBeGreaterThan(meta['desktop']!.inodes!);
  });

  it('reports each file, the medium total and the measured cost of separate images', () => {
    const rep = report(out);
    const txt = readFileSync(join(out, 'report.txt'), 'utf8');
    let sum = 0;
    for (const f of rep.files) {
      expect(f.bytes, f.file).toBe(statSync(join(out, f.file)).size);
      sum += f.bytes;
    }
    const meta = ['livekit.conf', 'sysroots.json'].reduce((n, f) => n + statSync(join(out, 'livekit', f)).size, 0);
    expect(rep.medium_bytes).toBe(sum + meta);
    expect(rep.separate_method).toBe('measure');
    expect(rep.sysroots.map((s) => s.name)).toEqual(['base', 'desktop', 'server', 'desktop-nvidia', 'livekit']);
    // every separate image holds at least the base's content
    const base = rep.files.find((f) => f.name === 'base')!.bytes;
    for (const s of rep.sysroots) expect(s.separate_bytes).toBeGreaterThanOrEqual(base * 0.9);
    expect(rep.separate_bytes).toBe(rep.sysroots.reduce((n, s) => n + s.separate_bytes, 0));
    expect(rep.saving_bytes).toBe(rep.separate_bytes - rep.medium_bytes);
    expect(rep.saving_bytes).toBeGreaterThan(rep.medium_bytes * 3); // 5 variants share one base
    expect(txt).toContain(`medium total (livekit/): ${rep.medium_bytes} bytes`);
    expect(txt).toMatch(/layering saves \d+ bytes \(\d+%\)/);
  });

  it('cleans each layer: no SSH host keys, machine-id uninitialized, no logs, no policy-rc.d', async () => {
    const r = await inNamespace(`
for l in base layers/server layers/desktop-common; do
  d="$T/chk-\${l//\\//-}"; mkdir -p "$d"
  mount -t squashfs -o ro,loop "$M/livekit/$l.squashfs" "$d"
  echo "$l: ssh=$(ls "$d/etc/ssh" 2>/dev/null | wc -l) logs=$(find "$d/var/log" -type f 2>/dev/null | wc -l) policy=$([ -e "$d/usr/sbin/policy-rc.d" ] && echo yes || echo no)"
done
cat "$T/chk-base/etc/machine-id"`, { T: tmp.dir, M: out });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('base: ssh=0 logs=0 policy=no\nlayers/server: ssh=0 logs=0 policy=no\nlayers/desktop-common: ssh=0 logs=0 policy=no\nuninitialized\n');
  });

  it('rebuilds nothing the second time', async () => {
    const before = mtimes(out);
    const again = await build('tiny', out);
    expect(again.code, again.stderr).toBe(0);
    expect(report(out).built).toEqual([]);
    expect(again.stdout).toContain('rebuilt: nothing (all up to date)');
    expect(again.stderr).toContain('sysroot sizes: unchanged, reusing the last measurement');
    expect(mtimes(out)).toEqual(before);
  });

  it("rebuilds a changed layer, the layers above it and the templates over them, and nothing else", async () => {
    const recipe = join(tmp.dir, 'tiny-changed.recipe');
    writeFileSync(
      recipe,
      `${readFileSync(join(REPO, 'scripts/mklive/recipes/tiny.recipe'), 'utf8')}\nLAYER_PACKAGES_desktop+=(tiny-office)\n`,
    );
    const before = mtimes(out);
    const r = await build(recipe, out);
    expect(r.code, r.stderr).toBe(0);
    expect(report(out).built).toEqual(['layer:desktop', 'layer:desktop-nvidia', 'template:desktop']);
    const after = mtimes(out);
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]).sort();
    expect(changed).toEqual(['layers/desktop-nvidia.squashfs', 'layers/desktop.squashfs', 'templates/desktop.squashfs']);
    // and the change is in the medium
    const ok = await inNamespace(`mkdir -p "$T/d"; mount -t squashfs -o ro,loop "$M/livekit/layers/desktop.squashfs" "$T/d"; cat "$T/d/var/lib/tiny-pkg/installed"`, { T: tmp.dir, M: out });
    expect(ok.stdout).toBe('tiny-xorg\ntiny-fonts\ntiny-desktop-shell\ntiny-browser\ntiny-office\n');
  });

  it('fails cleanly on a broken recipe step: non-zero exit, no loop device or mount left behind', async () => {
    const recipe = join(tmp.dir, 'tiny-broken.recipe');
    writeFileSync(recipe, `${readFileSync(join(REPO, 'scripts/mklive/recipes/tiny.recipe'), 'utf8')}\nlayer_hook_server() { false; }\n`);
    const broken = join(tmp.dir, 'broken');
    const work = join(tmp.dir, 'broken-work');
    const r = await run(MKLIVE, ['build', '--recipe', recipe, '--out', broken, '--work', work]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('layer:server: building');
    const loops = await run('losetup', ['-j', join(broken, 'livekit/base.squashfs')]);
    expect(loops.stdout).toBe('');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(work);
    expect(statSync(join(broken, 'livekit/layers')).isDirectory()).toBe(true);
    expect(readdirSync(join(broken, 'livekit/layers'))).not.toContain('server.squashfs');
  });

  it('refuses bad options and bad recipes with a message', async () => {
    const bad = await run(MKLIVE, ['build', '--recipe', 'tiny', '--out', join(tmp.dir, 'x'), '--fstype', 'ext4']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--fstype must be squashfs or erofs');
    const recipe = join(tmp.dir, 'tiny-cycle.recipe');
    writeFileSync(recipe, `${readFileSync(join(REPO, 'scripts/mklive/recipes/tiny.recipe'), 'utf8')}\nLAYER_ON_desktop_common=(base livekit)\n`);
    const cyc = await run(MKLIVE, ['build', '--recipe', recipe, '--out', join(tmp.dir, 'y')]);
    expect(cyc.code).not.toBe(0);
    expect(cyc.stderr).toContain("layer desktop-common is built over 'livekit', which is not an earlier layer");
  });

  it('builds an EROFS medium (lz4hc images) and FSTYPE="erofs"', async () => {
    const eout = join(tmp.dir, 'erofs');
    const r = await build('tiny', eout, ['--fstype', 'erofs', '--separate', 'estimate']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(eout, 'livekit/livekit.conf'), 'utf8')).toContain('FSTYPE="erofs"');
    const blk = await run('blkid', ['-o', 'value', '-s', 'TYPE', join(eout, 'livekit/layers/desktop-common.erofs')]);
    expect(blk.stdout.trim()).toBe('erofs');
    const rep = report(eout);
    expect(rep.comp).toBe('lz4hc');
    expect(rep.separate_method).toBe('estimate');
    expect(parseLivekitConf(readFileSync(join(eout, 'livekit/livekit.conf'), 'utf8'), 'c').templates['livekit']).toBe('livekit.erofs');
  });
});
