// The fast copy: unpack the sysroot's squashfs layers bottom-up with unsquashfs (read the compressed data
// once, write each file once), applying before and after each upper layer what overlayfs does when it
// composes it: whiteouts delete, opaque dirs hide the lower content, redirected dirs take it from their
// origin, replaced files are new inodes, and `trusted.overlay.*` xattrs are not part of the result.
// Anything it cannot reproduce exactly sends the copy to rsync (the fallback copier), before a byte is written.
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import type { SquashfsLayer } from '../../shared/plan.ts';
import type { Copier, CopyRequest } from './copier.ts';
import { argvPath, bytesPath, layerXattrsOf, readXattrs, walkLayer, type LayerScan } from './layer-scan.ts';
import { isOpaque, mergedXattrDirs, mergedXattrProblem, redirectAcrossMounts, redirectsOf, unsupportedIn } from './overlay-rules.ts';
import { mountsUnder, parseMountinfo } from '../disks/mounts.ts';
import { ProgressTracker } from './rsync-progress.ts';
import { CommandError } from './runner.ts';

/**
 * unsquashfs -i names each entry as it is created (`<target>/<path>`): its relative path (bytes as
 * latin1), or null for the other lines.
 */
export function extractedPath(line: string, target: string): string | null {
  const prefix = `${target}/`;
  return line.startsWith(prefix) ? Buffer.from(line.slice(prefix.length), 'utf8').toString('latin1') : null;
}

const THROTTLE_MS = 200;
/** Files from this size on are followed while written (one stat per progress tick). */
const BIG_FILE = 1 << 20;

export function unsquashfsArgv(layer: SquashfsLayer, target: string): string[] {
  // -da/-fr: 4 MiB data and fragment queues instead of 256 each (measured on the release layers, 128 KiB
  // blocks: 16-21 MiB resident instead of ~480, and no slower than with 16 or 256). The short queue also
  // keeps the names -i prints close to the data actually written, which progress relies on.
  // -i: each entry named as it is created, which progress weighs by its size (the progress bar counts
  // inodes and blocks alike: thousands of small files outweigh the bytes).
  return ['unsquashfs', '-f', '-i', '-da', '4', '-fr', '4', '-d', target, ...(layer.offset ? ['-o', String(layer.offset)] : []), layer.image];
}

/**
 * How unsquashfs is started.
 * nice -n 10: its threads take both cores of a small machine while it writes, and the engine reading its
 * names falls behind (measured, the Debian fixture onto ext4, five copies each: progress at worst 0.9–4.2
 * points behind the bytes on the target, 0.4–1.4 niced, no slower); the installer's window stays responsive.
 * stdbuf -oL: -i writes names through stdio, which a pipe buffers by 4 KiB; while a big file is written the
 * names before it would wait in the buffer and progress would stall.
 * Both are coreutils, which a minimal Live root may leave out: each is used where it is installed.
 */
export function unpackArgv(layer: SquashfsLayer, target: string, have: UnpackHelpers): string[] {
  return [...(have.nice ? ['nice', '-n', '10'] : []), ...(have.stdbuf ? ['stdbuf', '-oL'] : []), ...unsquashfsArgv(layer, target)];
}

export interface UnpackHelpers {
  nice: boolean;
  stdbuf: boolean;
}

class Aborted extends Error {
  constructor() {
    super('The copy was cancelled');
  }
}

export class LayerCopier implements Copier {
  constructor(
    private readonly layers: SquashfsLayer[],
    private readonly fallback: Copier,
    private readonly now: () => number = () => Date.now(),
    private readonly helpers: UnpackHelpers = { nice: existsSync('/usr/bin/nice'), stdbuf: existsSync('/usr/bin/stdbuf') },
  ) {}

  async copy(req: CopyRequest): Promise<void> {
    const check = () => {
      if (req.signal?.aborted) throw new Aborted();
    };
    // Everything that can make an identical result impossible is in the layers' xattrs and dirs: read them
    // all before a byte is written, so that the fallback starts from an empty target.
    const xattrs: Pick<LayerScan, 'overlayXattrs' | 'otherXattrs'>[] = [];
    for (const layer of this.layers) {
      check();
      const x = await layerXattrsOf(layer.mount, req.runner, req.signal);
      const why = unsupportedIn(x);
      if (why) return this.fallBack(req, `the layer ${layer.image} has ${why}`);
      xattrs.push(x);
    }
    // Then their entries (the metadata is in the page cache now): what to remove and restore, and what
    // each entry weighs for progress. Walked before unpacking: progress is right from the first byte.
    check();
    const scans: LayerScan[] = this.layers.map((l, i) => ({ ...walkLayer(l.mount), ...xattrs[i]! }));
    const xattrDirs = mergedXattrDirs(scans);
    const why = mergedXattrProblem(xattrDirs, scans.slice(1)) ?? redirectAcrossMounts(scans.slice(1), mountedIn(req.target));
    if (why) return this.fallBack(req, `the layers have ${why}`);
    scans.forEach((sc, i) => req.onLog?.(`copy: layer ${i + 1}: ${sc.files} entries, ${sc.bytes} bytes`));
    const weights = scans.map((sc) => sc.bytes);
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    const tracker = new ProgressTracker(req.totalBytes);
    let done = 0;
    let inLayer = 0;
    let lastEmit = 0;
    let lastPercent = 0;
    let current = 0;
    // The file being unpacked (named, the next name not yet seen): its weight and path on the target.
    let pending = 0;
    let pendingPath: string | undefined;
    const onTarget = under(req.target);
    const inFlight = () => {
      // A big file counts as far as it is written (its size on the target grows as unsquashfs writes).
      if (!pendingPath) return 0;
      const st = exists(pendingPath);
      return st?.isFile() ? Math.min(pending, st.size) : 0;
    };
    const report = () => {
      const t = this.now();
      const written = Math.min(inLayer + inFlight(), weights[current]!);
      const snap = tracker.update({ bytes: Math.round(((done + written) / sum) * req.totalBytes), percent: 0, rate: 0, seconds: 0 }, t);
      // At most every THROTTLE_MS, but never a point behind.
      if (t - lastEmit >= THROTTLE_MS || snap.percent - lastPercent >= 1) {
        lastEmit = t;
        lastPercent = snap.percent;
        req.onProgress(snap);
      }
    };
    for (; current < this.layers.length; current++) {
      const layer = this.layers[current]!;
      const scan = scans[current]!;
      check();
      if (current > 0) prepareTarget(req.target, scan);
      check();
      const argv = unsquashfsArgv(layer, req.target);
      const unpack = unpackArgv(layer, req.target, this.helpers);
      req.onLog?.(`copy: layer ${current + 1}/${this.layers.length}: $ ${unpack.join(' ')}`);
      inLayer = 0;
      pending = 0;
      pendingPath = undefined;
      const ticker = setInterval(report, THROTTLE_MS);
      await req.runner.run(unpack, {
        ...(req.signal ? { signal: req.signal } : {}),
        onLine: (line, stream) => {
          const rel = stream === 'stdout' ? extractedPath(line, req.target) : null;
          if (rel === null) req.onLog?.(line);
          else {
            // A file is named as its unpacking starts: it counts in full once the next entry is named.
            inLayer += pending;
            pending = scan.weights.get(rel) ?? 0;
            pendingPath = pending >= BIG_FILE ? onTarget(rel) : undefined;
            report();
          }
        },
      })
        .catch((e: unknown) => {
          // The error names unsquashfs, not the nice and stdbuf in front of it.
          throw e instanceof CommandError ? new CommandError(argv, e.exitCode, e.stderrTail, e.aborted) : e;
        })
        .finally(() => clearInterval(ticker));
      inLayer += pending;
      pending = 0;
      pendingPath = undefined;
      check();
      await finishLayer(req, scan);
      scans[current] = { entries: [], dirs: new Map(), overlayXattrs: new Map(), otherXattrs: new Map(), weights: new Map(), bytes: 0, files: 0 }; // applied: freed
      done += weights[current]!;
      inLayer = 0;
      report();
    }
    await dropMergedXattrs(req, xattrDirs);
    req.onProgress(tracker.finish());
  }

  private fallBack(req: CopyRequest, why: string): Promise<void> {
    req.onWarn?.(`copy: ${why}: copying with rsync instead`);
    return this.fallback.copy(req);
  }
}

/** The filesystems mounted inside the target (an ESP), as relative paths (bytes as latin1). */
function mountedIn(target: string): string[] {
  const real = realpathSync(target);
  return mountsUnder(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), real).map((m) => Buffer.from(m.mountpoint.slice(real.length + 1), 'utf8').toString('latin1'));
}

/** A dir's entries by relative path ('' is the dir itself), as byte strings (latin1). */
const under = (dir: string) => {
  const root = Buffer.from(dir, 'utf8').toString('latin1');
  return (rel: string) => (rel === '' ? root : `${root}/${rel}`);
};

const exists = (p: string) => {
  try {
    return lstatSync(bytesPath(p));
  } catch {
    return undefined;
  }
};
const remove = (p: string) => rmSync(bytesPath(p), { recursive: true, force: true });

/**
 * Before unpacking an upper layer over the tree composed so far: move redirected dirs' origins aside, then
 * in pre-order remove what the layer replaces (anything under a whiteout, a non-directory, an opaque or
 * redirected dir, a dir over a non-dir) and put each redirected dir's origin in its place. unsquashfs then
 * only creates new inodes: a file replaced here never writes through a hardlink of a lower layer.
 */
export function prepareTarget(target: string, scan: LayerScan): void {
  const at = under(target);
  const redirects = redirectsOf(scan);
  const redirected = new Set(redirects.map((r) => r.rel));
  const staged = new Map<string, string>();
  if (redirects.length) {
    const stage = `${at('')}/.livekit-redirects.${process.pid}`;
    mkdirSync(bytesPath(stage), { mode: 0o700 });
    redirects.forEach(({ rel, from }, i) => {
      if (exists(at(from))?.isDirectory()) {
        renameSync(bytesPath(at(from)), bytesPath(`${stage}/${i}`));
        staged.set(rel, `${stage}/${i}`);
      }
    });
    try {
      removeAndPlace(scan, at, staged, redirected);
    } finally {
      for (const p of staged.values()) remove(p); // origins whose destination was itself removed
      rmdirSync(bytesPath(stage));
    }
    return;
  }
  removeAndPlace(scan, at, staged, redirected);
}

function removeAndPlace(scan: LayerScan, at: (rel: string) => string, staged: Map<string, string>, redirected: Set<string>): void {
  // Dirs new in this layer (or emptied): nothing below them exists in the target, no lookups needed.
  let fresh: string | undefined;
  for (const e of scan.entries) {
    if (fresh !== undefined && (fresh === '' || e.rel.startsWith(`${fresh}/`))) {
      // Nothing of the lower tree is here, except a redirected dir's origin (an absolute redirect).
      const origin = staged.get(e.rel);
      if (origin !== undefined) {
        staged.delete(e.rel);
        mkdirSync(bytesPath(at(e.rel.slice(0, e.rel.lastIndexOf('/')))), { recursive: true });
        renameSync(bytesPath(origin), bytesPath(at(e.rel)));
      }
      continue;
    }
    fresh = undefined;
    const st = exists(at(e.rel));
    if (e.kind !== 'dir') {
      if (st) remove(at(e.rel));
      continue;
    }
    const origin = staged.get(e.rel);
    if (st && (!st.isDirectory() || isOpaque(scan, e.rel) || redirected.has(e.rel))) {
      remove(at(e.rel));
    }
    if (origin !== undefined) {
      staged.delete(e.rel);
      renameSync(bytesPath(origin), bytesPath(at(e.rel)));
    } else if (!exists(at(e.rel))) {
      fresh = e.rel;
    }
  }
}

/**
 * After unpacking a layer: whiteouts removed, overlay xattrs removed (setfattr, one run per name), and each
 * of the layer's directories given the layer's owner, mode and times (the merged dir is the top layer's;
 * removing entries changed the times).
 */
async function finishLayer(req: CopyRequest, scan: LayerScan): Promise<void> {
  const at = under(req.target);
  const gone = new Set<string>();
  for (const e of scan.entries) {
    if (e.kind === 'whiteout') {
      unlinkSync(bytesPath(at(e.rel)));
      gone.add(e.rel);
    }
  }
  const byName = new Map<string, string[]>();
  for (const [rel, xattrs] of scan.overlayXattrs) {
    if (!gone.has(rel)) addTo(byName, xattrs.keys(), at(rel));
  }
  await removeXattrs(req, byName);
  // Deepest first: setting a dir's times must come after every change inside it.
  const dirs = [...scan.dirs.entries()].reverse();
  for (const [rel, a] of dirs) {
    const p = bytesPath(at(rel));
    lchownSync(p, a.uid, a.gid);
    chmodSync(p, a.mode);
    utimesSync(p, a.atimeMs / 1000, a.mtimeMs / 1000);
  }
}

const addTo = (byName: Map<string, string[]>, names: Iterable<string>, path: string) => {
  for (const name of names) {
    const paths = byName.get(name);
    if (paths) paths.push(path);
    else byName.set(name, [path]);
  }
};

/** setfattr -x, one run per name and 500 paths (bytes as latin1; every one UTF-8, checked before the copy). */
async function removeXattrs(req: CopyRequest, byName: Map<string, string[]>): Promise<void> {
  for (const [name, paths] of byName) {
    for (let i = 0; i < paths.length; i += 500) {
      const argv = paths.slice(i, i + 500).map(argvPath);
      await req.runner.run(['setfattr', '-h', '-x', name, ...argv], req.signal ? { signal: req.signal } : {});
    }
  }
}

/**
 * Once every layer is unpacked: a lower layer's dir with xattrs that an upper layer merged keeps the lower's
 * xattrs the upper dir does not have (unsquashfs only sets). overlayfs shows the upper's alone, so whatever
 * the composed source does not show on such a dir is removed from the target.
 */
async function dropMergedXattrs(req: CopyRequest, dirs: string[]): Promise<void> {
  const [target, source] = [under(req.target), under(req.source)];
  const rels = dirs.filter((rel) => exists(target(rel))?.isDirectory());
  if (!rels.length) return;
  const opts = req.signal ? { signal: req.signal } : {};
  const onTarget = await readXattrs(rels.map(target), req.runner, opts);
  const inSource = await readXattrs(rels.map(source), req.runner, opts);
  const byName = new Map<string, string[]>();
  for (const rel of rels) {
    const keep = inSource.get(source(rel)) ?? new Map<string, string>();
    const extra = [...(onTarget.get(target(rel))?.keys() ?? [])].filter((name) => !keep.has(name));
    addTo(byName, extra, target(rel));
  }
  if (byName.size) req.onLog?.(`copy: xattrs of lower layers removed from ${[...byName.values()].flat().length} merged dir(s)`);
  await removeXattrs(req, byName);
}
