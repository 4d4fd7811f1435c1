// The fast copy: unpack the sysroot's squashfs layers bottom-up with unsquashfs (read the compressed data
// once, write each file once), applying before and after each upper layer what overlayfs does when it
// composes it: whiteouts delete, opaque dirs hide the lower content, redirected dirs take it from their
// origin, replaced files are new inodes, and `trusted.overlay.*` xattrs are not part of the result.
// Anything it cannot reproduce exactly sends the copy to rsync (the fallback copier), before a byte is written.
import { chmodSync, lchownSync, lstatSync, mkdirSync, renameSync, rmdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import type { SquashfsLayer } from '../plan/types.ts';
import type { Copier, CopyRequest } from './copier.ts';
import { bytesPath, scanLayer, type LayerScan } from './layer-scan.ts';
import { isOpaque, redirectsOf, unsupportedIn } from './overlay-rules.ts';
import { ProgressTracker } from './rsync-progress.ts';

/** unsquashfs's progress bar: `[====|   ] 945/1890  50%`, redrawn with `\r`. */
const BAR_RE = /\]\s+(\d+)\/(\d+)\s+(\d+)%\s*$/;
const THROTTLE_MS = 200;

export function parseUnsquashfsProgress(line: string): number | null {
  const m = BAR_RE.exec(line);
  if (!m) return null;
  const total = Number(m[2]);
  return total > 0 ? Math.min(1, Number(m[1]) / total) : null;
}

export function unsquashfsArgv(layer: SquashfsLayer, target: string): string[] {
  return ['unsquashfs', '-f', '-d', target, ...(layer.offset ? ['-o', String(layer.offset)] : []), layer.image];
}

class Aborted extends Error {
  constructor() {
    super('the copy was cancelled');
  }
}

export class LayerCopier implements Copier {
  constructor(
    private readonly layers: SquashfsLayer[],
    private readonly fallback: Copier,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async copy(req: CopyRequest): Promise<void> {
    const check = () => {
      if (req.signal?.aborted) throw new Aborted();
    };
    const scans: LayerScan[] = [];
    for (const layer of this.layers) {
      check();
      const scan = await scanLayer(layer.mount, req.runner, req.signal);
      const why = unsupportedIn(scan);
      if (why) {
        req.onWarn?.(`copy: the layer ${layer.image} has ${why}: copying with rsync instead`);
        return this.fallback.copy(req);
      }
      scans.push(scan);
    }
    const weights = scans.map((s) => s.bytes + s.files * 512);
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    const tracker = new ProgressTracker(req.totalBytes);
    let done = 0;
    let lastEmit = 0;
    const report = (fraction: number) => {
      const t = this.now();
      const snap = tracker.update({ bytes: Math.round(((done + fraction * weights[current]!) / sum) * req.totalBytes), percent: 0, rate: 0, seconds: 0 }, t);
      if (t - lastEmit >= THROTTLE_MS) {
        lastEmit = t;
        req.onProgress(snap);
      }
    };
    let current = 0;
    for (; current < this.layers.length; current++) {
      const layer = this.layers[current]!;
      const scan = scans[current]!;
      check();
      req.onLog?.(`copy: layer ${current + 1}/${this.layers.length} ${layer.image} (${scan.files} entries, ${scan.bytes} bytes)`);
      if (current > 0) prepareTarget(req.target, scan);
      check();
      await req.runner.run(unsquashfsArgv(layer, req.target), {
        ...(req.signal ? { signal: req.signal } : {}),
        onLine: (line, stream) => {
          const f = stream === 'stdout' ? parseUnsquashfsProgress(line) : null;
          if (f === null) req.onLog?.(line);
          else report(f);
        },
      });
      check();
      await finishLayer(req, scan);
      done += weights[current]!;
      report(0);
    }
    req.onProgress(tracker.finish());
  }
}

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
  const root = Buffer.from(target, 'utf8').toString('latin1');
  const at = (rel: string) => (rel === '' ? root : `${root}/${rel}`);
  const redirects = redirectsOf(scan);
  const redirected = new Set(redirects.map((r) => r.rel));
  const staged = new Map<string, string>();
  if (redirects.length) {
    const stage = `${root}/.livekit-redirects.${process.pid}`;
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
  const root = Buffer.from(req.target, 'utf8').toString('latin1');
  const at = (rel: string) => (rel === '' ? root : `${root}/${rel}`);
  const gone = new Set<string>();
  for (const e of scan.entries) {
    if (e.kind === 'whiteout') {
      unlinkSync(bytesPath(at(e.rel)));
      gone.add(e.rel);
    }
  }
  const byName = new Map<string, string[]>();
  for (const [rel, xattrs] of scan.overlayXattrs) {
    if (gone.has(rel)) continue;
    for (const name of xattrs.keys()) byName.set(name, [...(byName.get(name) ?? []), Buffer.from(at(rel), 'latin1').toString('utf8')]);
  }
  for (const [name, paths] of byName) {
    for (let i = 0; i < paths.length; i += 500) {
      await req.runner.run(['setfattr', '-h', '-x', name, ...paths.slice(i, i + 500)], req.signal ? { signal: req.signal } : {});
    }
  }
  // Deepest first: setting a dir's times must come after every change inside it.
  const dirs = [...scan.dirs.entries()].reverse();
  for (const [rel, a] of dirs) {
    const p = bytesPath(at(rel));
    lchownSync(p, a.uid, a.gid);
    chmodSync(p, a.mode);
    utimesSync(p, a.atimeMs / 1000, a.mtimeMs / 1000);
  }
}
