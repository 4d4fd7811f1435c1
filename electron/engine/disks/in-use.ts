// Effects: who is using a disk or an image file right now, beyond mounts and swap (which lsblk and
// /proc/swaps tell): another process holding it open (a partition editor, a second installer, dd), a device
// stacked on it (dm-crypt, LVM, md: /sys/class/block/*/holders), and, for an image file, a loop device backed
// by it — matched by device and inode, so a hard link or another path to the same file is found too.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { execa } from 'execa';
import type { DiskInfo, InUse } from '../../shared/facts.ts';
import { majorMinor } from '../run/target-lock.ts';
import { commandOf } from '../run/process-identity.ts';

/** The open files of every process but this one and its own children (blkid, lsblk of this very scan). */
export interface OpenFiles {
  /** `b<major:minor>` for a block device, `f<dev>:<ino>` for a file → the processes holding it open. */
  byKey: Map<string, { pid: number; command: string }[]>;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function scanOpenFiles(): OpenFiles {
  const byKey = new Map<string, { pid: number; command: string }[]>();
  const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  for (const pid of pids) {
    if (pid === process.pid || parentOf(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    const keys = new Set<string>();
    for (const fd of fds) {
      try {
        // Only paths that can be a disk: sockets, pipes and anonymous inodes are skipped without a stat.
        if (!readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('/')) continue;
        const st = statSync(`/proc/${pid}/fd/${fd}`);
        if (st.isBlockDevice()) keys.add(`b${majorMinor(st.rdev)}`);
        else if (st.isFile()) keys.add(`f${st.dev}:${st.ino}`);
      } catch {
        /* closed meanwhile */
      }
    }
    if (keys.size === 0) continue;
    const who = { pid, command: commandOf(pid) };
    for (const k of keys) byKey.set(k, [...(byKey.get(k) ?? []), who]);
  }
  return { byKey };
}

function holdersOf(name: string): string[] {
  try {
    return readdirSync(`/sys/class/block/${name}/holders`).map((h) => `/dev/${h}`);
  } catch {
    return [];
  }
}

/** What uses a block device disk or any of its partitions, besides mounts and swap. */
export function diskUsers(disk: Pick<DiskInfo, 'path' | 'partitions'>, open: OpenFiles): InUse[] {
  const out: InUse[] = [];
  for (const path of [disk.path, ...disk.partitions.map((p) => p.path)]) {
    let key: string;
    try {
      key = `b${majorMinor(statSync(path).rdev)}`;
    } catch {
      continue;
    }
    for (const p of open.byKey.get(key) ?? []) out.push({ kind: 'process', device: path, pid: p.pid, command: p.command });
    for (const h of holdersOf(basename(path))) out.push({ kind: 'holder', device: path, holder: h });
  }
  return out;
}

/** Loop devices backed by the file with this device:inode, from losetup's own record of each backing file. */
async function loopsBackedBy(dev: number, ino: number): Promise<string[]> {
  const r = await execa('losetup', ['--list', '--json', '--output', 'NAME,BACK-INO,BACK-MAJ:MIN'], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  const list = (JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-ino': number | string | null; 'back-maj:min': string | null }[] }).loopdevices ?? [];
  const want = majorMinor(dev);
  return list.filter((l) => Number(l['back-ino']) === ino && (l['back-maj:min'] ?? '').trim() === want).map((l) => l.name);
}

/** What uses an image file: loop devices backed by it, processes holding it open. */
export async function imageUsers(path: string, open: OpenFiles): Promise<InUse[]> {
  const st = statSync(path);
  const out: InUse[] = (await loopsBackedBy(st.dev, st.ino)).map((device) => ({ kind: 'loop', device: path, loop: device }));
  for (const p of open.byKey.get(`f${st.dev}:${st.ino}`) ?? []) out.push({ kind: 'process', device: path, pid: p.pid, command: p.command });
  return out;
}
