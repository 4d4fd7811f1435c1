// Pure parsers of the kernel's mount and swap tables (/proc/self/mountinfo, /proc/swaps).

export interface MountEntry {
  /** `major:minor` of the mounted filesystem's device. */
  majorMinor: string;
  /** Mount point (octal escapes decoded). */
  mountpoint: string;
  fstype: string;
  /** Mount source: a device path for block filesystems, anything for others (`overlay`, `tmpfs`). */
  source: string;
  /** The directory of the filesystem mounted here (`/` unless a bind of a subdirectory). */
  root?: string;
  /** The filesystem's own options (an overlay's `lowerdir=`), escapes left as the kernel wrote them. */
  superOptions?: string;
}

/** The kernel escapes space, tab, newline and backslash in these tables as `\ooo`. */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/self/mountinfo (see proc(5)): fields before ` - ` then fstype and source. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (left.length < 5 || right.length < 2) continue;
    out.push({
      majorMinor: left[2]!,
      mountpoint: unescapeOctal(left[4]!),
      fstype: right[0]!,
      source: unescapeOctal(right[1]!),
      root: unescapeOctal(left[3]!),
      superOptions: right.slice(2).join(' '),
    });
  }
  return out;
}

/** True when `path` is `dir` or inside it. */
export function isWithin(path: string, dir: string): boolean {
  const d = dir.endsWith('/') && dir.length > 1 ? dir.slice(0, -1) : dir;
  return path === d || d === '/' || path.startsWith(`${d}/`);
}

/** The mount that holds `path`: the last-mounted entry with the longest mount point containing it. */
export function mountHolding(mounts: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (isWithin(path, m.mountpoint) && (!best || m.mountpoint.length >= best.mountpoint.length)) best = m;
  }
  return best;
}

/** The mount exactly at `dir` (the top one when stacked). */
export function mountAt(mounts: MountEntry[], dir: string): MountEntry | undefined {
  return mounts.filter((m) => m.mountpoint === dir).at(-1);
}

/** Mounts strictly below `dir`. */
export function mountsUnder(mounts: MountEntry[], dir: string): MountEntry[] {
  return mounts.filter((m) => m.mountpoint !== dir && isWithin(m.mountpoint, dir));
}

/** Active swap areas from /proc/swaps: device paths (`partition`) and file paths (`file`). */
export function parseProcSwaps(text: string): { path: string; type: string }[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0]!.startsWith('/'))
    .map((f) => ({ path: unescapeOctal(f[0]!), type: f[1]! }));
}
