// Effects: gathers the machine facts (disks, RAM, GPUs, firmware, the Live system's own devices).
// Every parser is pure and lives beside this file; here we only read the system, quickly and with timeouts.
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { execa } from 'execa';
import si from 'systeminformation';
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import { DEFAULT_MEDIUM_DIRS, defaultMediumDir } from '../medium/sysroots.ts';
import { mergeBlkid, parseBlkidExport, type BlkidEntry } from './blkid.ts';
import { liveSetsFrom } from './live.ts';
import { liveIdentities } from './live-ids.ts';
import { parseLsblk } from './lsblk.ts';
import { parseMountinfo, parseProcSwaps } from './mounts.ts';
import { readPower } from './power.ts';
import { diskUsers, scanOpenFiles } from './in-use.ts';
import { canOpenLuks } from './device-mapper.ts';
import { CodedError } from '../run/coded-error.ts';

/** Where the boot module mounts each layer (ARCHITECTURE.md: /run/livekit/layers/<layer>). */
export const DEFAULT_LAYERS_DIR = '/run/livekit/layers';
const TIMEOUT_MS = 10_000;
/** blkid processes started together (a machine may have dozens of partitions and loop devices). */
const BLKID_AT_ONCE = 8;

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

async function withTimeout<T>(p: Promise<T>, fallback: T, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([p.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The disks could not be read. Said with a code and a short reason only: a failed command's error
 * carries its output (lsblk's is the whole device table), which is no message for a client or a log line.
 */
export class FactsUnavailableError extends CodedError {
  constructor(program: string, reason: string) {
    super('facts-unavailable', { program }, `cannot read the disks: ${program} failed (${reason})`);
    this.name = 'FactsUnavailableError';
  }
}

/** Why a command failed, in a few words (never its output). */
function failureOf(e: unknown): string {
  const x = e as { timedOut?: boolean; exitCode?: unknown; signal?: unknown; code?: unknown };
  if (x.timedOut) return 'timed out';
  if (typeof x.exitCode === 'number') return `exit code ${x.exitCode}`;
  if (typeof x.signal === 'string') return `killed by ${x.signal}`;
  if (typeof x.code === 'string' && /^[A-Z0-9_]+$/.test(x.code)) return x.code;
  return 'did not run';
}

export async function readLsblk(): Promise<DiskInfo[]> {
  let stdout: string;
  try {
    stdout = (await execa('lsblk', ['--json', '--bytes', '--output-all'], { timeout: TIMEOUT_MS })).stdout;
  } catch (e) {
    throw new FactsUnavailableError('lsblk', failureOf(e));
  }
  try {
    return parseLsblk(stdout);
  } catch {
    throw new FactsUnavailableError('lsblk', 'unreadable output');
  }
}

/**
 * blkid's low-level probe of each device, by device name. One blkid per device: given several, `blkid -p`
 * stops at the first it cannot probe (a loop device detached meanwhile, a busy one, here the host's mounted
 * whole-disk /dev/vda) and says nothing of the devices after it. Exit 2 is "nothing found".
 */
export async function blkidProbe(devices: string[]): Promise<Map<string, BlkidEntry>> {
  const outputs: string[] = [];
  for (let i = 0; i < devices.length; i += BLKID_AT_ONCE) {
    const batch = devices.slice(i, i + BLKID_AT_ONCE).map(async (dev) => (await execa('blkid', ['-p', '-o', 'export', dev], { timeout: TIMEOUT_MS, reject: false })).stdout ?? '');
    outputs.push(...(await Promise.all(batch)));
  }
  return parseBlkidExport(outputs.join('\n\n'));
}

/** Fills FSTYPE/UUID/PARTTYPE that lsblk misses without udev, from blkid's probe of every disk and partition. */
async function withBlkid(disks: DiskInfo[]): Promise<DiskInfo[]> {
  const devices = disks
    .filter((d) => d.sizeBytes > 0 && d.type !== 'rom')
    .flatMap((d) => [d.path, ...d.partitions.map((p) => p.path)])
    .filter((p) => existsSync(p));
  return devices.length ? mergeBlkid(disks, await blkidProbe(devices)) : disks;
}

function markSwap(disks: DiskInfo[], swapsText: string): DiskInfo[] {
  const active = new Set(parseProcSwaps(swapsText).map((s) => s.path));
  return disks.map((d) => ({
    ...d,
    ...(active.has(d.path) ? { swapActive: true } : {}),
    partitions: d.partitions.map((p) => ({ ...p, swapActive: p.swapActive || active.has(p.path) })),
  }));
}

/** Loop device → backing file, for every attached loop device. */
async function loopBackings(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = await readdir('/sys/block').catch(() => [] as string[]);
  for (const n of names.filter((x) => /^loop\d+$/.test(x))) {
    const file = (await readText(`/sys/block/${n}/loop/backing_file`)).trim();
    if (!file) continue;
    // A deleted backing file reads as "path (deleted)"; keep the path for matching.
    out[`/dev/${n}`] = file.replace(/ \(deleted\)$/, '');
  }
  return out;
}

async function ramBytes(): Promise<number> {
  const mem = await withTimeout(si.mem(), null);
  return mem?.total ?? totalmem();
}

/** Lower-case vendor names of the display controllers (nvidia, amd, intel, ...). */
export function gpuVendorOf(vendor: string): string {
  const v = vendor.toLowerCase();
  if (/nvidia/.test(v)) return 'nvidia';
  if (/intel/.test(v)) return 'intel';
  if (/\bamd\b|advanced micro|\bati\b/.test(v)) return 'amd';
  return v.trim().split(/\s+/)[0] ?? v;
}

async function gpuVendors(): Promise<string[]> {
  const g = await withTimeout(si.graphics(), null);
  const vendors = (g?.controllers ?? []).map((c) => c.vendor).filter((v): v is string => !!v?.trim());
  return [...new Set(vendors.map(gpuVendorOf))].sort();
}

export async function collectMachineFacts(opts: { cmdline: string; mediumDir?: string; layersDir?: string }): Promise<MachineFacts> {
  const wanted = opts.mediumDir ?? defaultMediumDir();
  const mediumDir = await realpath(wanted).catch(() => wanted);
  const layersDir = await realpath(opts.layersDir ?? DEFAULT_LAYERS_DIR).catch(() => opts.layersDir ?? DEFAULT_LAYERS_DIR);
  const [lsblk, swaps, mountinfo, loops, ram, gpus, power, luks] = await Promise.all([
    readLsblk(),
    readText('/proc/swaps'),
    readText('/proc/self/mountinfo'),
    loopBackings(),
    ramBytes(),
    gpuVendors(),
    readPower(),
    canOpenLuks(),
  ]);
  const probed = markSwap(await withBlkid(lsblk), swaps);
  // Open files are scanned after blkid has finished: its own probes must not count as users.
  const open = scanOpenFiles();
  const disks = probed.map((d) => {
    const inUse = diskUsers(d, open);
    return inUse.length ? { ...d, inUse } : d;
  });
  const mounts = parseMountinfo(mountinfo);
  const live = liveSetsFrom({ mounts, loopBacking: loops, mediumDir, layersDir, disks });
  const mediumDirs = await Promise.all([...new Set([mediumDir, ...DEFAULT_MEDIUM_DIRS])].map((d) => realpath(d).catch(() => d)));
  return {
    firmware: existsSync('/sys/firmware/efi') ? 'uefi' : 'bios',
    arch: process.arch,
    ramBytes: ram,
    gpuVendors: gpus,
    disks,
    liveDevices: live.liveDevices,
    livePaths: live.livePaths,
    liveIds: liveIdentities({ livePaths: live.livePaths, mediumDirs, mounts }),
    cmdline: opts.cmdline,
    power,
    canOpenLuks: luks,
  };
}
