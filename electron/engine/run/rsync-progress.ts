// Pure parsing of rsync `--info=progress2` output and its conversion into progress that never goes backwards.
// A line looks like: `     76,640   0%   41.84MB/s    0:00:00 (xfr#1, to-chk=299/301)`.

export interface Progress2Line {
  /** Bytes transferred so far in this run (rsync's own count). */
  bytes: number;
  /** rsync's percentage (it can restart or stall: never trusted alone). */
  percent: number;
  /** rsync's instantaneous rate in bytes per second. */
  rate: number;
  /** rsync's time field in seconds (elapsed or its own estimate). */
  seconds: number;
  /** Files transferred (`xfr#`), when present. */
  transferred?: number;
  /** Files left to check and the total (`to-chk=` or `ir-chk=`), when present. */
  toCheck?: number;
  totalToCheck?: number;
}

const LINE_RE =
  /^\s*([\d,.]+)\s+(\d+)%\s+([\d.]+)([kMGT]?)B\/s\s+(\d+):(\d{2}):(\d{2})(?:\s+\(xfr#(\d+),\s+(?:to|ir)-chk=(\d+)\/(\d+)\))?\s*$/;

const UNIT: Record<string, number> = { '': 1, k: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses one progress2 line; returns null for anything else (file names, warnings). */
export function parseProgress2Line(line: string): Progress2Line | null {
  const m = LINE_RE.exec(line);
  if (!m) return null;
  const p: Progress2Line = {
    bytes: Number(m[1]!.replace(/[,.]/g, '')),
    percent: Number(m[2]),
    rate: Math.round(Number(m[3]) * UNIT[m[4]!]!),
    seconds: Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]),
  };
  if (m[8] !== undefined) {
    p.transferred = Number(m[8]);
    p.toCheck = Number(m[9]);
    p.totalToCheck = Number(m[10]);
  }
  return p;
}

export interface CopyProgress {
  bytes: number;
  total: number;
  /** Smoothed bytes per second. */
  rate: number;
  /** Seconds left, or null while unknown. */
  eta: number | null;
  /** 0..100 for this copy. */
  percent: number;
}

/**
 * Turns parsed lines into monotonic progress against the plan's total (the sysroot's size):
 * bytes never decrease, never exceed the total before the copy ends, and the rate is smoothed.
 * Time is passed in (milliseconds) so the logic stays pure and testable.
 */
export class ProgressTracker {
  private bytes = 0;
  private rate = 0;
  private lastT: number | null = null;
  private lastBytes = 0;
  private filesFraction = 0;

  constructor(private readonly total: number, private readonly alpha = 0.3) {}

  update(p: Progress2Line, nowMs: number): CopyProgress {
    // Bytes can overshoot the planned total (sizes measured differently): hold just below it until done.
    const cap = this.total > 0 ? Math.floor(this.total * 0.999) : p.bytes;
    this.bytes = Math.max(this.bytes, Math.min(p.bytes, cap));
    if (p.totalToCheck) {
      this.filesFraction = Math.max(this.filesFraction, (p.totalToCheck - (p.toCheck ?? 0)) / p.totalToCheck);
    }
    if (this.lastT !== null && nowMs > this.lastT) {
      const inst = ((p.bytes - this.lastBytes) * 1000) / (nowMs - this.lastT);
      if (inst >= 0) this.rate = this.rate === 0 ? inst : this.alpha * inst + (1 - this.alpha) * this.rate;
    } else if (this.rate === 0) {
      this.rate = p.rate;
    }
    if (this.lastT === null || nowMs > this.lastT) {
      this.lastT = nowMs;
      this.lastBytes = p.bytes;
    }
    return this.snapshot();
  }

  /** The copy finished: everything is there. */
  finish(): CopyProgress {
    this.bytes = Math.max(this.bytes, this.total);
    return { ...this.snapshot(), eta: 0, percent: 100 };
  }

  snapshot(): CopyProgress {
    const total = Math.max(this.total, this.bytes);
    const byBytes = total > 0 ? (this.bytes / total) * 100 : 0;
    // Many small files move few bytes: the file count keeps the bar honest then.
    const percent = Math.min(99.9, Math.max(byBytes, this.filesFraction * 100 * 0.999));
    const left = Math.max(0, total - this.bytes);
    const eta = this.rate > 0 ? Math.round(left / this.rate) : null;
    return { bytes: this.bytes, total, rate: Math.round(this.rate), eta, percent };
  }
}
