// The facts cache's change detector. There is no udev to announce a new disk, so each request reads
// what the disk facts depend on from the kernel's own tables (small reads, no process started) and
// compares it with the fingerprint of the cached facts. Equal fingerprints mean no block device has
// appeared, vanished, been resized, re-attached to another file, mounted or unmounted, swapped on or
// off, made read-only, or written to (outside what is mounted), and no watched image file has changed.
//
// What it does not see: writes to a device that is in use (mounted, swapping, or under a device-mapper,
// RAID or other holder), since a mounted disk is refused and not probed anyway and its writes would make
// every fingerprint new; and facts that are not about devices (RAM, GPUs; the power supply is re-read
// by the engine on each request instead).
import { readdir, readFile, realpath, stat } from 'node:fs/promises';

export interface FingerprintOptions {
  /** Image files offered as targets: their size, time and inode count. */
  files?: readonly string[];
  /** The kernel's tables (tests point these elsewhere). */
  proc?: string;
  sysClassBlock?: string;
}

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Pure: the mount table without its mount ids (they change with every remount elsewhere in the tree). */
export function mountsPart(mountinfo: string): string {
  return mountinfo
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(2).join(' '))
    .join('\n');
}

/** Pure: `major:minor` of each mounted filesystem's device (mountinfo's third field). */
export function mountedDevices(mountinfo: string): Set<string> {
  return new Set(mountinfo.split('\n').map((l) => l.split(' ')[2] ?? '').filter((d) => d && !d.startsWith('0:')));
}

/** Pure: the device names /proc/swaps lists (`/dev/sda2` → `sda2`; swap files are not devices). */
export function swapDevices(swaps: string): Set<string> {
  return new Set(
    swaps
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0] ?? '')
      .filter((p) => p.startsWith('/dev/'))
      .map((p) => p.slice('/dev/'.length)),
  );
}

/**
 * Pure: the content counters of /sys/class/block/<dev>/stat: write and discard requests completed
 * (fields 5 and 12, see Documentation/block/stat.rst). Reads are left out: probing a disk reads it.
 */
export function contentCounters(stat: string): string {
  const f = stat.trim().split(/\s+/);
  return `${f[4] ?? '-'}/${f[11] ?? '-'}`;
}

interface Device {
  name: string;
  /** The whole disk a partition belongs to (its own name for a disk). */
  disk: string;
  dev: string;
  ro: string;
  counters: string;
  holders: number;
  backing: string;
}

async function readDevice(dir: string, name: string): Promise<Device> {
  const at = `${dir}/${name}`;
  const [dev, ro, st, holders, backing, isPartition, real] = await Promise.all([
    text(`${at}/dev`),
    text(`${at}/ro`),
    text(`${at}/stat`),
    readdir(`${at}/holders`).catch(() => [] as string[]),
    text(`${at}/loop/backing_file`),
    stat(`${at}/partition`).then(
      () => true,
      () => false,
    ),
    realpath(at).catch(() => at),
  ]);
  // A partition's sysfs directory sits inside its disk's: …/block/sda/sda1.
  const disk = isPartition ? (real.split('/').at(-2) ?? name) : name;
  return { name, disk, dev: dev.trim(), ro: ro.trim(), counters: contentCounters(st), holders: holders.length, backing: backing.trim() };
}

async function fileStamp(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  return st ? `${path} ${st.size} ${st.mtimeMs} ${st.ino}` : `${path} missing`;
}

/** The fingerprint: a text that changes when a device the facts describe changes (see above). */
export async function deviceFingerprint(opts: FingerprintOptions = {}): Promise<string> {
  const proc = opts.proc ?? '/proc';
  const sys = opts.sysClassBlock ?? '/sys/class/block';
  const [partitions, swaps, mountinfo, names, files] = await Promise.all([
    text(`${proc}/partitions`),
    text(`${proc}/swaps`),
    text(`${proc}/self/mountinfo`),
    readdir(sys).catch(() => [] as string[]),
    Promise.all((opts.files ?? []).map(fileStamp)),
  ]);
  const devices = await Promise.all(names.sort().map((n) => readDevice(sys, n)));
  const mounted = mountedDevices(mountinfo);
  const swapping = swapDevices(swaps);
  const busy = new Set(devices.filter((d) => mounted.has(d.dev) || swapping.has(d.name) || d.holders > 0).map((d) => d.name));
  // A disk with a busy partition is busy as a whole: its counters add up its partitions'.
  for (const d of devices) if (busy.has(d.name)) busy.add(d.disk);
  const lines = devices.map((d) => `${d.name} ${d.dev} ro=${d.ro} ${busy.has(d.name) ? 'busy' : d.counters}${d.backing ? ` ${d.backing}` : ''}`);
  return [partitions, swaps, mountsPart(mountinfo), ...lines, ...files].join('\n');
}
