// What an earlier engine run left behind when it was killed outright: the things its journal (held-journal.ts)
// names that are still there — its target mounts and binds, loop devices, by-uuid links, and commands still
// writing into the target. Finding them is a pure comparison of the journals with a snapshot of the machine;
// releasing them kills those commands, unmounts, unlinks and detaches, newest first. What cannot be released
// (a mount some other program is using) is named, with who uses it.
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmdirSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isWithin, parseMountinfo, type MountEntry } from '../disks/mounts.ts';
import { readJournals, type HeldRecord, type JournalFile } from './held-journal.ts';
import { commandOf, isRunning, type ProcessId } from './process-identity.ts';
import type { CommandRunner } from './runner.ts';

/** The machine as far as leftovers go. */
export interface HeldSnapshot {
  /** Mount points, one entry per mount (a path mounted twice appears twice). */
  mounts: string[];
  /** Attached loop devices and their backing files (` (deleted)` removed, `deleted` set). */
  loops: { device: string; backing: string; deleted: boolean }[];
  /** Where a symlink points, or undefined when `path` is no symlink. */
  linkTarget: (path: string) => string | undefined;
  /** Names of the device-mapper devices there are (`luks-…`). */
  mappings: string[];
  running: (p: ProcessId) => boolean;
}

export interface Leftover {
  /** The run that left it. */
  owner: ProcessId;
  what: string;
  file: string;
  /** Every mount point the run recorded: a copy of one kept by another mount namespace is the run's too. */
  mountTargets: string[];
  /** Still there, newest first (the order to release them in). A loop found by its backing file has `device` set. */
  items: HeldRecord[];
}

/** Pure: the journals of runs that are gone, each with what of its record is still on the machine. */
export function leftoversOf(journals: (JournalFile & { file: string })[], snap: HeldSnapshot): Leftover[] {
  const out: Leftover[] = [];
  for (const j of journals) {
    if (snap.running(j.owner)) continue; // a live run: its things are in use, not left over
    const mounted = [...snap.mounts];
    const items: HeldRecord[] = [];
    for (const { record: r } of [...j.entries].reverse()) {
      if (r.kind === 'mount') {
        const i = mounted.lastIndexOf(r.target);
        if (i < 0) continue;
        mounted.splice(i, 1);
        items.push(r);
      } else if (r.kind === 'loop') {
        const loops = snap.loops.filter((l) => (r.device ? l.device === r.device : true) && l.backing === r.backing);
        for (const l of loops) items.push({ ...r, device: l.device });
      } else if (r.kind === 'link') {
        if (snap.linkTarget(r.path) === r.to) items.push(r);
      } else if (r.kind === 'luks') {
        if (snap.mappings.includes(r.name)) items.push(r);
      } else if (snap.running({ pid: r.pid, start: r.start })) {
        items.push(r);
      }
    }
    const mountTargets = j.entries.flatMap((e) => (e.record.kind === 'mount' ? [e.record.target] : []));
    out.push({ owner: j.owner, what: j.what, file: j.file, mountTargets, items });
  }
  return out;
}

function readLoops(): HeldSnapshot['loops'] {
  const out: HeldSnapshot['loops'] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/sys/block').filter((n) => /^loop\d+$/.test(n));
  } catch {
    return out;
  }
  for (const n of names) {
    let file = '';
    try {
      file = readFileSync(`/sys/block/${n}/loop/backing_file`, 'utf8').trim();
    } catch {
      continue; // not attached
    }
    if (!file) continue;
    const deleted = file.endsWith(' (deleted)');
    out.push({ device: `/dev/${n}`, backing: deleted ? file.slice(0, -' (deleted)'.length) : file, deleted });
  }
  return out;
}

export function takeSnapshot(): HeldSnapshot {
  return {
    mounts: parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.mountpoint),
    loops: readLoops(),
    linkTarget: (path) => {
      try {
        return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
      } catch {
        return undefined;
      }
    },
    running: isRunning,
    mappings: readMappings(),
  };
}

/** The device-mapper devices' names, from sysfs (/sys/class/block/dm-N/dm/name). */
export function readMappings(): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/block').filter((n) => /^dm-\d+$/.test(n));
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      out.push(readFileSync(`/sys/class/block/${n}/dm/name`, 'utf8').trim());
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

export function findLeftovers(dir: string): Leftover[] {
  return leftoversOf(readJournals(dir), takeSnapshot());
}

/** Processes whose open files, working directory or root lie under `dir` (what keeps a mount busy). */
export function processesUsing(dir: string): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    const links: string[] = [];
    for (const l of ['cwd', 'root']) {
      try {
        links.push(readlinkSync(`/proc/${pid}/${l}`));
      } catch {
        /* gone or not ours to read */
      }
    }
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          links.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          /* closed meanwhile */
        }
      }
    } catch {
      /* gone */
    }
    if (links.some((l) => isWithin(l, dir))) out.push({ pid, command: commandOf(pid) });
  }
  return out;
}

export interface NotReleased {
  record: HeldRecord;
  /** Why: the command's message, and who keeps a mount busy. */
  reason: string;
  users?: { pid: number; command: string }[];
}

export interface ReleaseReport {
  released: HeldRecord[];
  notReleased: NotReleased[];
}

async function killGroup(r: Extract<HeldRecord, { kind: 'process' }>): Promise<boolean> {
  for (const target of [-r.pid, r.pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* gone, or no group of that id */
    }
  }
  for (let i = 0; i < 50; i++) {
    if (!isRunning({ pid: r.pid, start: r.start })) return true;
    await sleep(100);
  }
  return false;
}

function removeLink(path: string): void {
  unlinkSync(path);
  for (let d = path.slice(0, path.lastIndexOf('/')); d === '/dev/disk/by-uuid' || d === '/dev/disk'; d = d.slice(0, d.lastIndexOf('/'))) {
    try {
      rmdirSync(d); // only when empty: udev or another run may use it
    } catch {
      break;
    }
  }
}

/**
 * Releases each leftover, newest first; a journal whose things are all gone is removed. Once one thing of a
 * run cannot be released, what that run took before it stays (a loop device under a busy mount must not be
 * let go), reported as held below it.
 */
export async function releaseLeftovers(leftovers: Leftover[], runner: CommandRunner): Promise<ReleaseReport> {
  const report: ReleaseReport = { released: [], notReleased: [] };
  for (const l of leftovers) {
    let blocked: HeldRecord | undefined;
    for (const r of l.items) {
      if (blocked) {
        report.notReleased.push({ record: r, reason: `held below ${describeHeld(blocked)}` });
        continue;
      }
      const failure = await releaseOne(r, runner, l.mountTargets);
      if (failure) {
        report.notReleased.push(failure);
        blocked = r;
      } else report.released.push(r);
    }
    if (!blocked) {
      try {
        unlinkSync(l.file);
      } catch {
        /* another cleanup removed it */
      }
    }
  }
  return report;
}

/** Releases one thing; returns why not, or undefined once it is gone. */
async function releaseOne(r: HeldRecord, runner: CommandRunner, ourMounts: string[]): Promise<NotReleased | undefined> {
  try {
    if (r.kind === 'process') {
      if (!(await killGroup(r))) return { record: r, reason: 'still running after SIGKILL' };
    } else if (r.kind === 'mount') {
      const res = await runner.run(['umount', r.target], { okExitCodes: [0, 32] });
      if (res.code !== 0) return { record: r, reason: res.stderr.trim().split('\n').pop() || 'busy', users: processesUsing(r.target) };
    } else if (r.kind === 'link') {
      removeLink(r.path);
    } else if (r.kind === 'luks') {
      await releaseForeignCopies(ourMounts, runner);
      const res = await runner.run(['cryptsetup', 'close', r.name], { okExitCodes: [0, 4, 5] });
      if (readMappings().includes(r.name)) return { record: r, reason: res.stderr.trim().split('\n').pop() || `${r.name} is still in use` };
    } else if (r.device) {
      // A mount namespace made while the run had its target mounted (`unshare -m` with private propagation)
      // keeps a copy of that mount, and with it the loop device: the copy is the run's, released there too.
      await releaseForeignCopies(ourMounts, runner);
      await runner.run(['losetup', '-d', r.device], { okExitCodes: [0, 1] });
      // A device still in use is only marked to detach itself later: that is not released.
      if (loopStillAttached(r.device, r.backing)) {
        const users = foreignMounts(partitionsOf(r.device)).map((m) => ({ pid: m.pid, command: `${m.command}; mounts ${m.mountpoint} in its own mount namespace` }));
        return { record: r, reason: `${r.device} is still in use`, users };
      }
    }
    return undefined;
  } catch (e) {
    return { record: r, reason: (e as Error).message };
  }
}

/** major:minor of a block device and of each of its partitions, from sysfs. */
function partitionsOf(device: string): string[] {
  const name = device.replace(/^\/dev\//, '');
  const out: string[] = [];
  const read = (rel: string) => {
    try {
      out.push(readFileSync(`/sys/class/block/${rel}/dev`, 'utf8').trim());
    } catch {
      /* gone */
    }
  };
  read(name);
  try {
    for (const c of readdirSync(`/sys/class/block/${name}`).filter((c) => c.startsWith(name))) read(c);
  } catch {
    /* no such device */
  }
  return out;
}

/** Mounts in mount namespaces other than ours that `pick` selects, each with a process of that namespace. */
export function foreignMountsWhere(pick: (m: MountEntry) => boolean): { pid: number; command: string; mountpoint: string }[] {
  const own = readlinkOr('/proc/self/ns/mnt');
  const seen = new Set<string>([own]);
  const out: { pid: number; command: string; mountpoint: string }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const ns = readlinkOr(`/proc/${name}/ns/mnt`);
    if (!ns || seen.has(ns)) continue;
    seen.add(ns);
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/mountinfo`, 'utf8');
    } catch {
      continue;
    }
    for (const m of parseMountinfo(text)) if (pick(m)) out.push({ pid: Number(name), command: commandOf(Number(name)), mountpoint: m.mountpoint });
  }
  return out;
}

/** Mounts of these devices (major:minor) in other mount namespaces. */
export function foreignMounts(majMins: string[]): { pid: number; command: string; mountpoint: string }[] {
  return majMins.length ? foreignMountsWhere((m) => majMins.includes(m.majorMinor)) : [];
}

/**
 * A mount namespace made while a run had its target mounted (`unshare -m`, private propagation) keeps copies
 * of those mounts, and with them the disk. Unmounts, in each such namespace, the topmost copies of `targets`
 * (with what lies under them, which is the run's too); returns the mount points released.
 */
export async function releaseForeignCopies(targets: string[], runner: CommandRunner): Promise<string[]> {
  if (!targets.length) return [];
  const copies = foreignMountsWhere((m) => targets.includes(m.mountpoint));
  const done: string[] = [];
  for (const c of copies) {
    if (copies.some((o) => o.pid === c.pid && o.mountpoint !== c.mountpoint && isWithin(c.mountpoint, o.mountpoint))) continue; // under another copy
    const r = await runner.run(['nsenter', `--mount=/proc/${c.pid}/ns/mnt`, 'umount', '-R', c.mountpoint], { okExitCodes: [0, 32] }).catch(() => ({ code: 1 }));
    if (r.code === 0) done.push(c.mountpoint);
  }
  return done;
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function loopStillAttached(device: string, backing: string): boolean {
  return readLoops().some((l) => l.device === device && l.backing === backing);
}

/** A short name for a held thing in messages: `mount /tmp/livekit-target-1/dev`, `loop /dev/loop3 (/x.img)`. */
export function describeHeld(r: HeldRecord): string {
  switch (r.kind) {
    case 'mount':
      return `mount ${r.target}`;
    case 'loop':
      return `loop ${r.device ?? '?'} (${r.backing})`;
    case 'link':
      return `link ${r.path}`;
    case 'process':
      return `process ${r.pid} (${r.command})`;
    case 'luks':
      return `encrypted /dev/mapper/${r.name} (${r.device})`;
  }
}

/**
 * At the start of an install, a repair, the service or `livekit cleanup`: releases what earlier runs that were
 * killed left. What could not be released is in the report (the caller refuses to go on, naming it).
 */
export async function releaseEarlierRuns(dir: string, runner: CommandRunner): Promise<ReleaseReport & { found: Leftover[] }> {
  const found = findLeftovers(dir);
  const report = await releaseLeftovers(found, runner);
  return { ...report, found: found.filter((l) => l.items.length > 0) };
}
