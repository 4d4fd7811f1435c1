// The fast copier (unsquashfs of each squashfs layer, bottom-up, with overlayfs's rules applied) against the
// overlay-composed source, for real: a three-layer medium whose upper layers carry whiteouts, opaque dirs,
// redirected dirs (relative and absolute), files and dirs replaced by the other kind, a replaced and a
// copied-up name of a hardlink group, metadata changed on merged dirs; copied onto fresh ext4, xfs and btrfs
// filesystems on loop devices, then compared with the metadata walk. Also: cancel and a full disk.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureMedium } from '../helpers/fixture.ts';
import { diffTrees, walkTree } from '../helpers/walk.ts';
import { ExecaRunner, CommandError, type CommandRunner, type RunOptions } from '../../electron/engine/run/runner.ts';
import { RsyncCopier } from '../../electron/engine/run/copier.ts';
import { LayerCopier } from '../../electron/engine/run/layer-copier.ts';
import { detectCopyMethod } from '../../electron/engine/run/layer-stack.ts';
import type { CopyProgress } from '../../electron/engine/run/rsync-progress.ts';
import type { SquashfsLayer } from '../../electron/shared/plan.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;
const COMPOSE = new URL('../../scripts/compose-sysroots.sh', import.meta.url).pathname;

/** Runs for real and remembers each program started. */
class CountingRunner implements CommandRunner {
  readonly programs: string[] = [];
  private real = new ExecaRunner();
  run(argv: string[], opts?: RunOptions) {
    this.programs.push(argv.includes('unsquashfs') ? 'unsquashfs' : argv[0]!); // behind stdbuf
    return this.real.run(argv, opts);
  }
}

/** The third layer: a real overlay upper dir over the fixture's base and desktop, changed the ways a layer build does. */
const EXTRA_CHANGES = `
set -euo pipefail
cd "$1"
echo replaced > usr/share/kinds/hardlink-b.tmp && mv usr/share/kinds/hardlink-b.tmp usr/share/kinds/hardlink-b
echo appended >> usr/share/kinds/hardlink-a
rm -rf usr/share/kinds/odd/'with space' && mkdir usr/share/kinds/odd/'with space' && echo in > usr/share/kinds/odd/'with space'/file
rm etc/motd && mkdir etc/motd && echo x > etc/motd/now-a-dir
rm -rf usr/share/kinds/foreign-dir && echo was-a-dir > usr/share/kinds/foreign-dir
mkdir -p usr/share/newhome && mv usr/share/renamed-to usr/share/newhome/moved
mv usr/share/desktop usr/share/desktop2 && echo more > usr/share/desktop2/added
mv usr/share/kinds/odd usr/share/kinds/odd2
rm -rf usr/share/replaced
mkdir usr/share/replaced && echo third > usr/share/replaced/third
cp --preserve=all usr/share/kinds/ping-cap usr/share/ping-cap-2
truncate -s 4M usr/share/sparse-2 && echo tail >> usr/share/sparse-2
install -m 4750 -o 0 -g 10 /dev/null usr/bin/new-setuid
chmod 0750 usr/lib && chown 0:10 usr/lib
setfattr -n user.livekit.dir -v merged usr/share/kinds
setfattr -n user.livekit.keep -v kept usr/share/kinds
mknod usr/share/kinds/null2 c 1 3
touch -h -d '2003-04-05 06:07:08' usr/share/kinds usr/share usr etc usr/share/newhome usr/share/kinds/odd2
`;

/**
 * The top layer, over the extra one: a merged dir loses an xattr the layer below gave it (overlayfs shows the
 * upper dir's alone) and keeps another with a changed value. (ACLs cannot be tried: squashfs stores no
 * system.* xattrs.)
 */
const TOP_CHANGES = `
set -euo pipefail
cd "$1"
setfattr -x user.livekit.dir usr/share/kinds
setfattr -n user.livekit.keep -v changed usr/share/kinds
echo top > usr/share/kinds/top-file
touch -h -d '2004-05-06 07:08:09' usr/share/kinds
`;

const LAYERS = ['base', 'desktop', 'extra', 'top'];

describe.skipIf(!isRoot)('the layer copier gives the composed tree exactly (needs root: loop devices, mounts, overlay)', () => {
  let work: string;
  let run: string;

  beforeAll(async () => {
    const fixture = await fixtureMedium();
    work = mkdtempSync('/var/tmp/lk-layers-');
    const medium = join(work, 'medium');
    mkdirSync(join(medium, 'livekit', 'layers'), { recursive: true });
    copyFileSync(join(fixture, 'livekit/base.squashfs'), join(medium, 'livekit/base.squashfs'));
    copyFileSync(join(fixture, 'livekit/layers/desktop.squashfs'), join(medium, 'livekit/layers/desktop.squashfs'));
    // The extra layer is built over the fixture's two, composed; the top one over those three.
    const conf = (layers: string[]) =>
      [`LAYERS=(${layers.map((l) => `"${l}"`).join(' ')})`, `SYSROOT_LAYERS=(${layers.map((l) => `"${l}"`).join(' ')})`, ...layers.map((l, i) => `SYSROOT_DEP_${l}=(${layers.slice(0, i + 1).map((d) => `"${d}"`).join(' ')})`), ''].join('\n');
    await packLayer(fixture, ['desktop', 'base'], EXTRA_CHANGES, join(medium, 'livekit/layers/extra.squashfs'));
    writeFileSync(join(medium, 'livekit/livekit.conf'), conf(LAYERS.slice(0, 3)));
    await packLayer(medium, ['extra', 'desktop', 'base'], TOP_CHANGES, join(medium, 'livekit/layers/top.squashfs'));
    writeFileSync(join(medium, 'livekit/livekit.conf'), conf(LAYERS));
    run = join(work, 'run');
    await execa('bash', [COMPOSE, 'mount', medium, run]);
  }, 120_000);
  /** A layer as the build makes one: `changes` run in an overlay over `lowers` (top first) of `medium`, its upper dir packed. */
  async function packLayer(medium: string, lowers: string[], changes: string, out: string): Promise<void> {
    const name = out.split('/').pop()!.replace('.squashfs', '');
    const lower = join(work, `${name}-lower`);
    await execa('bash', [COMPOSE, 'mount', medium, lower]);
    const upper = join(work, `${name}-upper`);
    const ovlWork = join(work, `${name}-work`);
    const ovl = join(work, `${name}-ovl`);
    for (const d of [upper, ovlWork, ovl]) mkdirSync(d);
    try {
      const lowerdir = lowers.map((l) => `${lower}/layers/${l}`).join(':');
      await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir},upperdir=${upper},workdir=${ovlWork},index=off,metacopy=off,redirect_dir=on`, ovl]);
      try {
        await execa('bash', ['-c', changes, 'changes', ovl]);
      } finally {
        await execa('umount', [ovl]);
      }
    } finally {
      await execa('bash', [COMPOSE, 'umount', lower]);
    }
    await execa('mksquashfs', [upper, out, '-noappend', '-quiet', '-no-progress']);
  }

  afterAll(async () => {
    if (run) await execa('bash', [COMPOSE, 'umount', run], { reject: false });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh filesystem on a loop device over a sparse image; released by the returned function. */
  async function freshTarget(fs: 'ext4' | 'xfs' | 'btrfs', name: string, bytes = 512 * MiB): Promise<{ dir: string; release: () => Promise<void> }> {
    const image = join(work, `${name}.img`);
    const dir = join(work, name);
    await execa('truncate', ['-s', String(bytes), image]);
    const mkfs = { ext4: ['mkfs.ext4', '-q', '-F'], xfs: ['mkfs.xfs', '-q', '-f'], btrfs: ['mkfs.btrfs', '-q', '-f'] }[fs];
    await execa(mkfs[0]!, [...mkfs.slice(1), image]);
    const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
    mkdirSync(dir, { recursive: true });
    try {
      await execa('mount', [loop, dir]);
    } catch (e) {
      await execa('losetup', ['-d', loop]);
      throw e;
    }
    return {
      dir,
      release: async () => {
        await execa('umount', [dir]);
        await execa('losetup', ['-d', loop]);
        rmSync(image, { force: true });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const skip = (rel: string) => rel === 'lost+found';

  it('reads the layer stack from the mount table: three images bottom-up, one for a bind-mounted single layer', () => {
    const extra = detectCopyMethod(join(run, 'sysroots/extra'));
    expect(extra.kind).toBe('layers');
    expect((extra as { layers: SquashfsLayer[] }).layers.map((l) => l.image.split('/').pop())).toEqual(['base.squashfs', 'desktop.squashfs', 'extra.squashfs']);
    const base = detectCopyMethod(join(run, 'sysroots/base'));
    expect((base as { layers: SquashfsLayer[] }).layers.map((l) => l.image.split('/').pop())).toEqual(['base.squashfs']);
    expect(detectCopyMethod(work)).toMatchObject({ kind: 'rsync', reason: 'not-layered' });
  });

  it('falls back to rsync, saying why, where the layer copier\'s programs are missing (a Live root without attr)', () => {
    const bin = join(work, 'path-without-getfattr');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/usr/bin/unsquashfs', join(bin, 'unsquashfs'));
    const saved = process.env['PATH'];
    process.env['PATH'] = bin;
    try {
      expect(detectCopyMethod(join(run, 'sysroots/extra'))).toEqual({ kind: 'rsync', reason: 'no-tools', detail: 'the layer copier needs getfattr and setfattr, not found on PATH' });
    } finally {
      process.env['PATH'] = saved;
    }
    expect(detectCopyMethod(join(run, 'sysroots/extra')).kind).toBe('layers');
  });

  it('the composed source shows what the upper layers did', async () => {
    const s = await walkTree(join(run, 'sysroots/extra'));
    expect(s.get('etc/motd')?.type).toBe('dir');
    expect(s.get('usr/share/kinds/foreign-dir')?.type).toBe('file');
    expect(s.has('usr/share/newhome/moved/inside')).toBe(true);
    expect(s.has('usr/share/renamed-to')).toBe(false);
    expect(s.has('usr/share/desktop2/wallpaper.txt')).toBe(true);
    expect(s.has('usr/share/kinds/odd2/中文文件名')).toBe(true);
    expect(s.has('usr/share/replaced/from-desktop')).toBe(false);
    expect(s.get('usr/share/kinds/hardlink-c')).toBeUndefined();
    expect(s.get('usr/share/kinds/odd2/hardlink-c')?.size).toBe(7);
    expect(s.get('usr/share/kinds')?.xattrs).toHaveProperty('user.livekit.dir');
    expect(s.get('usr/lib')).toMatchObject({ mode: 0o750, gid: 10 });
    expect(s.get('usr/bin/new-setuid')?.mode).toBe(0o4750);
    // The top layer took one xattr away from that merged dir and changed the other.
    const top = await walkTree(join(run, 'sysroots/top'));
    expect(Object.keys(top.get('usr/share/kinds')?.xattrs ?? {})).toEqual(['user.livekit.keep']);
  });

  for (const fs of ['ext4', 'xfs', 'btrfs'] as const) {
    for (const sysroot of LAYERS) {
      it(`${sysroot} onto ${fs}: 0 differences in the metadata walk, unsquashfs used, progress monotonic to 100`, async () => {
        const source = join(run, 'sysroots', sysroot);
        const method = detectCopyMethod(source);
        if (method.kind !== 'layers') throw new Error(`expected a layer stack: ${JSON.stringify(method)}`);
        const t = await freshTarget(fs, `${fs}-${sysroot}`);
        try {
          const runner = new CountingRunner();
          const progress: CopyProgress[] = [];
          const warnings: string[] = [];
          await new LayerCopier(method.layers, new RsyncCopier()).copy({
            source,
            target: t.dir,
            totalBytes: 80 * MiB,
            totalFiles: 400,
            runner,
            onProgress: (p) => progress.push(p),
            onWarn: (w) => warnings.push(w),
          });
          expect(warnings).toEqual([]);
          expect(runner.programs.filter((p) => p === 'unsquashfs')).toHaveLength(method.layers.length);
          expect(runner.programs).not.toContain('rsync');
          const diff = diffTrees(await walkTree(source), await walkTree(t.dir, { skip }));
          expect(diff).toEqual([]);
          expect(progress.at(-1)?.percent).toBe(100);
          for (let i = 1; i < progress.length; i++) expect(progress[i]!.percent).toBeGreaterThanOrEqual(progress[i - 1]!.percent);
        } finally {
          await t.release();
        }
      }, 120_000);
    }
  }

  it('a redirected dir across a filesystem mounted inside the target: rsync instead, saying why, and the same tree', async () => {
    const source = join(run, 'sysroots/extra');
    const method = detectCopyMethod(source);
    if (method.kind !== 'layers') throw new Error(`expected a layer stack: ${JSON.stringify(method)}`);
    const t = await freshTarget('ext4', 'mounted-inside');
    const inner = join(t.dir, 'usr/share/newhome');
    mkdirSync(inner, { recursive: true });
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', inner]);
    try {
      const runner = new CountingRunner();
      const warnings: string[] = [];
      await new LayerCopier(method.layers, new RsyncCopier()).copy({ source, target: t.dir, totalBytes: 80 * MiB, totalFiles: 400, runner, onProgress: () => {}, onWarn: (w) => warnings.push(w) });
      expect(warnings).toEqual([expect.stringMatching(/redirected dir \(usr\/share\/newhome\/moved\) across the target's mount at usr\/share\/newhome: copying with rsync instead/)]);
      expect(runner.programs).toContain('rsync');
      expect(runner.programs).not.toContain('unsquashfs');
      expect(diffTrees(await walkTree(source), await walkTree(t.dir, { skip }))).toEqual([]);
    } finally {
      await execa('umount', [inner], { reject: false });
      await t.release();
    }
  }, 120_000);

  it('cancel mid-unpack: rejects, nothing keeps the target busy, a second copy onto a fresh filesystem is identical', async () => {
    const source = join(run, 'sysroots/extra');
    const method = detectCopyMethod(source);
    if (method.kind !== 'layers') throw new Error('expected a layer stack');
    const t = await freshTarget('ext4', 'cancel');
    const ac = new AbortController();
    let err: unknown;
    try {
      await new LayerCopier(method.layers, new RsyncCopier())
        .copy({ source, target: t.dir, totalBytes: 80 * MiB, totalFiles: 400, runner: new ExecaRunner(), signal: ac.signal, onProgress: () => ac.abort() })
        .catch((e: unknown) => {
          err = e;
        });
      expect(ac.signal.aborted).toBe(true);
      expect(err).toBeDefined();
    } finally {
      await t.release(); // a plain umount: fails if anything still holds the target
    }
    const again = await freshTarget('ext4', 'cancel-again');
    try {
      await new LayerCopier(method.layers, new RsyncCopier()).copy({ source, target: again.dir, totalBytes: 80 * MiB, totalFiles: 400, runner: new ExecaRunner(), onProgress: () => {} });
      expect(diffTrees(await walkTree(source), await walkTree(again.dir, { skip }))).toEqual([]);
    } finally {
      await again.release();
    }
  }, 120_000);

  it('a full disk: unsquashfs fails with "No space left on device", the target is released', async () => {
    const source = join(run, 'sysroots/extra');
    const method = detectCopyMethod(source);
    if (method.kind !== 'layers') throw new Error('expected a layer stack');
    const t = await freshTarget('ext4', 'full', 10 * MiB);
    try {
      const err = await new LayerCopier(method.layers, new RsyncCopier())
        .copy({ source, target: t.dir, totalBytes: 80 * MiB, totalFiles: 400, runner: new ExecaRunner(), onProgress: () => {} })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CommandError);
      expect((err as CommandError).argv[0]).toBe('unsquashfs');
      expect((err as CommandError).stderrTail).toMatch(/No space left on device/);
    } finally {
      await t.release();
    }
  }, 120_000);
});
