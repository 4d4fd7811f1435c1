// The copy stage behind a replaceable interface: rsync of the composed tree here, and the fast copier
// that unpacks the sysroot's squashfs layers (layer-copier.ts); the plan's copy method picks one.
import type { CommandRunner } from './runner.ts';
import { ProgressTracker, parseProgress2Line, type CopyProgress } from './rsync-progress.ts';

export interface CopyRequest {
  source: string;
  target: string;
  totalBytes: number;
  totalFiles: number;
  runner: CommandRunner;
  signal?: AbortSignal;
  onProgress: (p: CopyProgress) => void;
  onLog?: (line: string) => void;
  /** Something the user's log should show (a fallback to another copier). */
  onWarn?: (line: string) => void;
}

export interface Copier {
  copy(req: CopyRequest): Promise<void>;
}

/**
 * rsync flags, one reason each:
 * -a archive; -H hardlinks; -A ACLs; -X xattrs; -S sparse files; --numeric-ids keep foreign uids;
 * -x one file system (a sysroot never spans mounts); --no-inc-recursive: a full file list first so the
 * totals are stable (Anaconda saw percentages jump without it); -W whole files (local copy, no delta);
 * `-x trusted.overlay.*`: an overlay-composed source must not leak overlay metadata (as Calamares does);
 * --outbuf=L: progress lines arrive as they happen.
 */
export function rsyncArgv(source: string, target: string): string[] {
  return [
    'rsync',
    '-aHAXS',
    '-W',
    '--numeric-ids',
    '-x',
    '--no-inc-recursive',
    '--info=progress2',
    '--outbuf=L',
    '--filter=-x trusted.overlay.*',
    withSlash(source),
    withSlash(target),
  ];
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** Progress callbacks at most this often; the final state is always reported. */
const THROTTLE_MS = 200;

export class RsyncCopier implements Copier {
  constructor(private readonly now: () => number = () => Date.now()) {}

  async copy(req: CopyRequest): Promise<void> {
    const tracker = new ProgressTracker(req.totalBytes);
    let lastEmit = 0;
    let lastPercent = 0;
    const argv = rsyncArgv(req.source, req.target);
    req.onLog?.(`$ ${argv.join(' ')}`);
    await req.runner.run(argv, {
      ...(req.signal ? { signal: req.signal } : {}),
      onLine: (line, stream) => {
        const p = stream === 'stdout' ? parseProgress2Line(line) : null;
        if (!p) {
          req.onLog?.(line);
          return;
        }
        const t = this.now();
        const snap = tracker.update(p, t);
        // At most every THROTTLE_MS, but never a point behind.
        if (t - lastEmit >= THROTTLE_MS || snap.percent - lastPercent >= 1) {
          lastEmit = t;
          lastPercent = snap.percent;
          req.onProgress(snap);
        }
      },
    });
    req.onProgress(tracker.finish());
  }
}
