import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProgressTracker, parseProgress2Line } from '../../electron/engine/run/rsync-progress.ts';
import { splitLines } from '../../electron/engine/run/lines.ts';
import { RsyncCopier } from '../../electron/engine/run/copier.ts';
import type { CommandRunner, RunOptions } from '../../electron/engine/run/runner.ts';

// Recorded from a real `rsync -aHAXS ... --info=progress2 --outbuf=L` of 300 random files (183 MB).
const recorded = readFileSync(new URL('../fixtures/sysroot/recorded/rsync-progress2-300files.txt', import.meta.url), 'utf8');

function recordedLines(): string[] {
  const out: string[] = [];
  const s = splitLines((l) => out.push(l));
  s.push(recorded);
  s.end();
  return out;
}

describe('parseProgress2Line', () => {
  it('parses a line with xfr and to-chk', () => {
    expect(parseProgress2Line('     76,640   0%   41.84MB/s    0:00:00 (xfr#1, to-chk=299/301)')).toEqual({
      bytes: 76640,
      percent: 0,
      rate: Math.round(41.84 * 1024 * 1024),
      seconds: 0,
      transferred: 1,
      toCheck: 299,
      totalToCheck: 301,
    });
  });
  it('parses the first line without xfr, kB rates, hours and ir-chk', () => {
    expect(parseProgress2Line('         32,768   0%    0.00kB/s    0:00:00  ')).toMatchObject({ bytes: 32768, rate: 0 });
    expect(parseProgress2Line('  1,234,567,890  55%    1.50GB/s    1:02:03 (xfr#9, ir-chk=10/20)')).toMatchObject({
      bytes: 1234567890,
      percent: 55,
      rate: Math.round(1.5 * 1024 ** 3),
      seconds: 3723,
      toCheck: 10,
      totalToCheck: 20,
    });
  });
  it('ignores other output', () => {
    expect(parseProgress2Line('rsync: [sender] send_files failed to open "x": Permission denied (13)')).toBeNull();
    expect(parseProgress2Line('sending incremental file list')).toBeNull();
    expect(parseProgress2Line('')).toBeNull();
  });
  it('parses every progress line of a real run', () => {
    const lines = recordedLines();
    const parsed = lines.map(parseProgress2Line);
    expect(lines.length).toBeGreaterThan(300);
    expect(parsed.every((p) => p !== null)).toBe(true);
    expect(parsed.at(-1)).toMatchObject({ bytes: 190872520, percent: 100, toCheck: 0, totalToCheck: 301 });
  });
});

describe('ProgressTracker', () => {
  it('turns a real run into monotonic progress ending at the total', () => {
    const parsed = recordedLines().map((l) => parseProgress2Line(l)!);
    const total = 190872520;
    const t = new ProgressTracker(total);
    let prev = { bytes: -1, percent: -1 };
    parsed.forEach((p, i) => {
      const s = t.update(p, i * 10);
      expect(s.bytes).toBeGreaterThanOrEqual(prev.bytes);
      expect(s.percent).toBeGreaterThanOrEqual(prev.percent);
      expect(s.bytes).toBeLessThanOrEqual(total);
      expect(s.total).toBe(total);
      prev = s;
    });
    const end = t.finish();
    expect(end).toMatchObject({ bytes: total, total, percent: 100, eta: 0 });
  });
  it('never goes backwards when rsync restarts its count, and holds below a too small total', () => {
    const t = new ProgressTracker(1000);
    const a = t.update({ bytes: 600, percent: 60, rate: 100, seconds: 1 }, 1000);
    const b = t.update({ bytes: 100, percent: 10, rate: 100, seconds: 2 }, 2000);
    expect(b.bytes).toBe(a.bytes);
    expect(b.percent).toBeGreaterThanOrEqual(a.percent);
    const c = t.update({ bytes: 5000, percent: 100, rate: 100, seconds: 3 }, 3000);
    expect(c.bytes).toBeLessThan(1000);
    expect(c.percent).toBeLessThan(100);
    expect(t.finish().percent).toBe(100);
  });
  it('computes a smoothed rate and an ETA', () => {
    const t = new ProgressTracker(10_000);
    t.update({ bytes: 0, percent: 0, rate: 0, seconds: 0 }, 0);
    const s = t.update({ bytes: 1000, percent: 10, rate: 0, seconds: 1 }, 1000);
    expect(s.rate).toBe(1000);
    expect(s.eta).toBe(9);
    const s2 = t.update({ bytes: 3000, percent: 30, rate: 0, seconds: 2 }, 2000);
    expect(s2.rate).toBe(Math.round(0.3 * 2000 + 0.7 * 1000));
  });
  it('lets the file count lead when bytes lag (many small files)', () => {
    const t = new ProgressTracker(1_000_000);
    const s = t.update({ bytes: 10, percent: 0, rate: 0, seconds: 0, transferred: 50, toCheck: 50, totalToCheck: 100 }, 0);
    expect(s.percent).toBeGreaterThan(49);
  });
});

describe('RsyncCopier progress callbacks', () => {
  /** Plays rsync's lines at the given clock times through the CommandRunner port. */
  const played = (lines: [number, string][]) => {
    let now = 0;
    const runner: CommandRunner = {
      run: async (_argv: string[], opts?: RunOptions) => {
        for (const [t, line] of lines) {
          now = t;
          opts?.onLine?.(line, 'stdout');
        }
        return { code: 0, stdout: '', stderr: '' };
      },
    };
    return { runner, now: () => now };
  };
  const line = (bytes: number) => `  ${bytes.toLocaleString('en-US')}   0%   80.00MB/s    0:00:01`;

  it('at most every 200 ms, but never a point behind: a burst of bytes is reported at once', async () => {
    const { runner, now } = played([
      [1000, line(1_000)],
      [1050, line(2_000)], // throttled: 50 ms, under a point
      [1100, line(30_000)], // 3 points on: reported at once
      [1150, line(31_000)], // throttled again
      [1400, line(32_000)],
    ]);
    const seen: number[] = [];
    await new RsyncCopier(now).copy({ source: '/s', target: '/t', totalBytes: 1_000_000, totalFiles: 1, runner, onProgress: (p) => seen.push(p.bytes) });
    expect(seen).toEqual([1_000, 30_000, 32_000, 1_000_000]);
  });
});
