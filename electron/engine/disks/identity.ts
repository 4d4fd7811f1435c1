// Effects: reads what makes a target disk that disk (size, model, serial, WWN, a loop's backing file,
// the partition table, its filesystems' UUIDs) from sysfs, sfdisk and blkid, to tell whether it is still
// the disk the plan was made for.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { DiskIdentity } from './identity-diff.ts';

const TIMEOUT_MS = 10_000;

async function sysfs(name: string, ...rel: string[]): Promise<string | undefined> {
  const v = await readFile(join('/sys/class/block', name, ...rel), 'utf8').catch(() => undefined);
  return v?.trim() || undefined;
}

/** The table as sfdisk dumps it; '' when there is none (sfdisk exits non-zero). */
async function partitionTable(path: string): Promise<string> {
  const r = await execa('sfdisk', ['--dump', path], { reject: false, timeout: TIMEOUT_MS, env: { LC_ALL: 'C' } });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

/** `blkid -p` of each device (no cache: a fresh probe), as one line per device: dev TYPE UUID PARTUUID. */
async function probeFilesystems(devices: string[]): Promise<string> {
  const lines = await Promise.all(
    devices.map(async (dev) => {
      const r = await execa('blkid', ['-p', '-o', 'export', dev], { reject: false, timeout: TIMEOUT_MS });
      const v = Object.fromEntries(r.stdout.split('\n').map((l) => l.split('=', 2) as [string, string]));
      return [dev, v.TYPE ?? '-', v.UUID ?? '-', v.PART_ENTRY_UUID ?? '-'].join(' ');
    }),
  );
  return lines.join('\n');
}

/** The partitions the kernel knows on a disk (sysfs children named after it), as /dev paths. */
async function partitionsOf(name: string): Promise<string[]> {
  const children = await readdir(join('/sys/class/block', name)).catch(() => [] as string[]);
  return children.filter((c) => c.startsWith(name)).sort().map((c) => `/dev/${c}`);
}

export async function readDiskIdentity(path: string): Promise<DiskIdentity> {
  const real = await realpath(path).catch(() => path);
  const st = await stat(real).catch(() => null);
  if (!st) return { path, sizeBytes: 0, table: '' };
  if (st.isFile()) return { path, sizeBytes: st.size, backing: `${st.dev}:${st.ino}`, table: await partitionTable(real) };
  const name = basename(real);
  const sectors = Number(await sysfs(name, 'size'));
  const out: DiskIdentity = { path, sizeBytes: Number.isFinite(sectors) ? sectors * 512 : 0, table: await partitionTable(real) };
  const model = await sysfs(name, 'device', 'model');
  const serial = (await sysfs(name, 'device', 'serial')) ?? (await sysfs(name, 'serial'));
  const wwn = (await sysfs(name, 'wwid')) ?? (await sysfs(name, 'device', 'wwid'));
  const backing = await sysfs(name, 'loop', 'backing_file');
  if (model) out.model = model;
  if (serial) out.serial = serial;
  if (wwn) out.wwn = wwn;
  if (backing) out.backing = backing;
  const isPartition = (await sysfs(name, 'partition')) !== undefined;
  out.filesystems = await probeFilesystems(isPartition ? [real] : await partitionsOf(name));
  return out;
}
