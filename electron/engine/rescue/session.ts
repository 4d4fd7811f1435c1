// Effects of `livekit mount | shell | unmount <system>`: the system stays mounted at
// /run/livekit/systems/<id> (so a file manager or a second shell can use it) until unmount; a shell on a
// system that was not mounted mounts it for itself and releases it when the shell ends, on SIGINT/SIGTERM too.
// An encrypted system's container stays open with it, and is closed once its root is unmounted.
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { relative } from 'node:path';
import { execa } from 'execa';
import { basename } from 'node:path';
import { isWithin, mountAt, parseMountinfo, type MountEntry } from '../disks/mounts.ts';
import { resolveInRootSync } from '../medium/in-root.ts';
import type { CommandRunner } from '../run/runner.ts';
import type { InstalledSystem } from './types.ts';

export const SYSTEMS_DIR = '/run/livekit/systems';

export function systemDir(id: string, base = SYSTEMS_DIR): string {
  return `${base}/${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** Pure: every mount at or under `dir`, newest first (the order to unmount them in). */
export function releaseOrder(mounts: MountEntry[], dir: string): string[] {
  return mounts
    .filter((m) => isWithin(m.mountpoint, dir))
    .map((m) => m.mountpoint)
    .reverse();
}

export function currentMounts(): MountEntry[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function isMountedAt(dir: string): boolean {
  return currentMounts().some((m) => m.mountpoint === dir);
}

/** Unmounts everything at or under `dir` (lazily when busy), then removes the empty directory. */
export async function releaseDir(dir: string, runner: CommandRunner, log: (m: string) => void = () => {}): Promise<string[]> {
  const done: string[] = [];
  for (const target of releaseOrder(currentMounts(), dir)) {
    const r = await runner.run(['umount', target], { okExitCodes: [0, 32] }).catch(() => ({ code: 1 }));
    if (r.code !== 0) {
      log(`umount ${target} busy: lazy unmount`);
      await runner.run(['umount', '-l', target], { okExitCodes: [0, 32] }).catch(() => undefined);
    }
    done.push(target);
  }
  try {
    rmdirSync(dir);
  } catch {
    /* not there, or not empty (then something else lives there: left alone) */
  }
  return done;
}

/** Pure: the dm name a mount source names (`/dev/mapper/<name>`, or `/dev/dm-N` by the table of dm-N → name). */
export function mappingOfSource(source: string, names: Record<string, string>): string | undefined {
  if (source.startsWith('/dev/mapper/')) return basename(source);
  const dm = /^\/dev\/(dm-\d+)$/.exec(source)?.[1];
  return dm ? names[dm] : undefined;
}

/** The device-mapper devices: dm-N → name, and the names of dm-crypt ones (their uuid starts with CRYPT-). */
function dmDevices(): { names: Record<string, string>; crypt: Set<string> } {
  const names: Record<string, string> = {};
  const crypt = new Set<string>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/sys/class/block').filter((n) => /^dm-\d+$/.test(n));
  } catch {
    return { names, crypt };
  }
  for (const n of entries) {
    try {
      const name = readFileSync(`/sys/class/block/${n}/dm/name`, 'utf8').trim();
      names[n] = name;
      if (readFileSync(`/sys/class/block/${n}/dm/uuid`, 'utf8').startsWith('CRYPT-')) crypt.add(name);
    } catch {
      /* gone meanwhile */
    }
  }
  return { names, crypt };
}

/** The dm-crypt mapping whose filesystem is mounted at `dir` (an encrypted system's root), if it is one. */
export function cryptMappingAt(dir: string): string | undefined {
  const m = mountAt(currentMounts(), dir);
  if (!m) return undefined;
  const dm = dmDevices();
  const name = mappingOfSource(m.source, dm.names);
  return name && dm.crypt.has(name) ? name : undefined;
}

/**
 * Releases a mounted system: everything at or under `dir` unmounted (releaseDir), then the container its
 * root was in closed. Returns the container's name when one was closed; `busy` when something stays.
 */
export async function releaseSystem(dir: string, runner: CommandRunner, log: (m: string) => void = () => {}): Promise<{ closed?: string; busy: boolean }> {
  const mapping = cryptMappingAt(dir);
  await releaseDir(dir, runner, log);
  if (isMountedAt(dir)) return { busy: true };
  if (!mapping) return { busy: false };
  const r = await runner.run(['cryptsetup', 'close', mapping]).then(
    () => true,
    (e: unknown) => {
      log(`cryptsetup close ${mapping}: ${(e as Error).message}`);
      return false;
    },
  );
  return r ? { closed: mapping, busy: false } : { busy: true };
}

/**
 * Ends every process whose root directory is `dir` or inside it: what a shell in the system started (a
 * `sleep`, a daemon) would otherwise keep the system busy after the shell is gone. Returns their pids.
 */
export function killProcessesIn(dir: string): number[] {
  const killed: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let root: string;
    try {
      root = readlinkSync(`/proc/${pid}/root`);
    } catch {
      continue; // gone, or a kernel thread
    }
    if (!isWithin(root, dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* already gone */
    }
  }
  return killed;
}

/**
 * Live-session networking inside the system: the Live /etc/resolv.conf bound read-only over the system's,
 * when that is a file of the system's own (a link into /run already reaches the Live /run bound there).
 */
export async function bindResolvConf(root: string, runner: CommandRunner): Promise<string | undefined> {
  if (!existsSync('/etc/resolv.conf')) return undefined;
  const inside = resolveInRootSync(root, 'etc/resolv.conf');
  if (inside === undefined || relative(root, inside).startsWith('run/') || !lstatSync(inside).isFile()) return undefined;
  await runner.run(['mount', '--bind', '/etc/resolv.conf', inside]);
  await runner.run(['mount', '-o', 'remount,bind,ro', inside]);
  return inside;
}

/** A shell's PATH: the system's own directories, never the Live session's. */
export const SHELL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The argv and environment of a root shell inside `root`, its prompt naming the system. */
export function shellCommand(sys: InstalledSystem, root: string, term: string | undefined): { argv: string[]; env: Record<string, string> } {
  const bash = resolveInRootSync(root, 'bin/bash') !== undefined;
  const prompt = `(${sys.name} ${sys.id}) \\w # `;
  return {
    argv: ['chroot', root, '/usr/bin/env', '-i', `HOME=/root`, `TERM=${term ?? 'linux'}`, `PATH=${SHELL_PATH}`, `PS1=${bash ? prompt : `(${sys.name} ${sys.id}) # `}`, `LIVEKIT_SYSTEM=${sys.id}`, ...(bash ? ['/bin/bash', '--norc', '-i'] : ['/bin/sh', '-i'])],
    env: {},
  };
}

/** Runs the shell with the terminal (stdio inherited); resolves with its exit code. `signal` ends it. */
export async function runShell(argv: string[], signal: AbortSignal): Promise<number> {
  const child = execa(argv[0]!, argv.slice(1), { stdio: 'inherit', reject: false, cancelSignal: signal, forceKillAfterDelay: 3000 });
  const r = await child;
  return typeof r.exitCode === 'number' ? r.exitCode : 130;
}
