// Pure safety rules: why a disk (or a partition, or an image file) must not be written.
// Each refusal is data (code + params) that the CLI, the UI and the planner all show the same way.
import type { DiskInfo, InUse, MachineFacts, PartitionInfo, Refusal, SysrootInfo } from '../../shared/facts.ts';
import { formatSize } from '../answers/size.ts';
import { isWithin } from './mounts.ts';
import { livePlaceOf } from './live-place.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** The EFI system partition the planner creates on UEFI. */
export const ESP_BYTES = 512 * MiB;
/** The BIOS boot partition GRUB embeds its core image in, on GPT with BIOS. */
export const BIOS_BOOT_BYTES = 1 * MiB;
/** Room the copied system needs beyond its own size: updates, logs, the initramfs. */
export const GROWTH_FACTOR = 1.25;

/** Bytes the root filesystem needs: the sysroot with room to grow, plus the swap file it will hold. */
export function requiredRootBytes(sysroot: Pick<SysrootInfo, 'sizeBytes'>, swapBytes: number): number {
  return Math.ceil(sysroot.sizeBytes * GROWTH_FACTOR) + swapBytes;
}

/** Bytes a whole disk needs: size × 1.25 + ESP (UEFI) or BIOS boot partition + swap. */
export function requiredBytes(sysroot: Pick<SysrootInfo, 'sizeBytes'>, swapBytes: number, firmware: 'uefi' | 'bios'): number {
  return requiredRootBytes(sysroot, swapBytes) + (firmware === 'uefi' ? ESP_BYTES : BIOS_BOOT_BYTES);
}

function sizeRefusals(sizeBytes: number, needBytes: number | null): Refusal[] {
  // A zero-sized device (an empty card reader, an unattached loop) can never be a target.
  if (sizeBytes <= 0) return [{ code: 'empty' }];
  if (needBytes === null || sizeBytes >= needBytes) return [];
  return [{ code: 'too-small', params: { need: formatSize(needBytes), size: formatSize(sizeBytes), needBytes, sizeBytes } }];
}

/** Refusals that concern the device itself, whatever part of it would be written. */
function deviceRefusals(disk: DiskInfo, machine: MachineFacts): Refusal[] {
  const out: Refusal[] = [];
  const live = [disk.path, ...disk.partitions.map((p) => p.path)].find((d) => machine.liveDevices.includes(d));
  if (live) out.push({ code: 'live-medium', params: { device: live } });
  if (disk.type === 'rom' || /^sr\d+$/.test(disk.name)) out.push({ code: 'optical' });
  if (/^zram\d+$/.test(disk.name)) out.push({ code: 'zram' });
  if (/^ram\d+$/.test(disk.name)) out.push({ code: 'ram' });
  if (disk.readOnly) out.push({ code: 'read-only' });
  return out;
}

/** Who uses it, said in a few words: `pid 812 (gparted /dev/sdb)`, `/dev/loop3`, `/dev/dm-0`. */
export function inUseBy(u: InUse): string {
  if (u.kind === 'process') return `pid ${u.pid} (${u.command})`;
  return u.kind === 'loop' ? u.loop : u.holder;
}

/** One refusal naming the first user of `devices` (and how many more there are). */
function inUseRefusals(inUse: InUse[] | undefined, devices: string[]): Refusal[] {
  const users = (inUse ?? []).filter((u) => devices.includes(u.device));
  if (!users.length) return [];
  const by = users.length > 1 ? `${inUseBy(users[0]!)} +${users.length - 1}` : inUseBy(users[0]!);
  return [{ code: 'in-use', params: { device: users[0]!.device, by } }];
}

function mountRefusals(mountpoints: string[], device: string): Refusal[] {
  return mountpoints.length ? [{ code: 'mounted', params: { device, mountpoint: mountpoints[0]! } }] : [];
}

/**
 * An image file target: not the medium nor inside the Live system's files, writable, big enough. By
 * path, and by identity: a hard link to a medium file, or a path through a bind mount of it, is the medium.
 */
function imageRefusals(image: DiskInfo, machine: MachineFacts, needBytes: number | null): Refusal[] {
  const out: Refusal[] = [];
  const paths = [image.path, image.realPath ?? image.path];
  const live = (machine.livePaths ?? []).find((p) => paths.some((i) => isWithin(i, p))) ?? (image.place && livePlaceOf(image.place, machine.liveIds));
  if (live) out.push({ code: 'live-medium', params: { device: live } });
  if (image.readOnly) out.push({ code: 'read-only' });
  out.push(...inUseRefusals(image.inUse, [image.path]));
  // A sparse image grows as the install writes: its filesystem must hold what it will write, with headroom.
  const room = image.hostSpace;
  if (room && needBytes !== null && room.freeBytes + room.allocatedBytes < needBytes) {
    const free = room.freeBytes + room.allocatedBytes;
    out.push({ code: 'no-room', params: { need: formatSize(needBytes), free: formatSize(free), needBytes, freeBytes: free } });
  }
  return [...out, ...sizeRefusals(image.sizeBytes, needBytes)];
}

/** Every reason `disk` must not be erased (empty: it may be). `needBytes` null skips the size rule. */
export function refusalsFor(disk: DiskInfo, machine: MachineFacts, needBytes: number | null): Refusal[] {
  if (disk.type === 'image') return imageRefusals(disk, machine, needBytes);
  const out = deviceRefusals(disk, machine);
  const mounted = [disk, ...disk.partitions].find((p) => p.mountpoints.length > 0);
  if (mounted) out.push(...mountRefusals(mounted.mountpoints, mounted.path));
  const swap = disk.swapActive ? disk.path : disk.partitions.find((p) => p.swapActive)?.path;
  if (swap) out.push({ code: 'swap', params: { device: swap } });
  out.push(...inUseRefusals(disk.inUse, [disk.path, ...disk.partitions.map((p) => p.path)]));
  return [...out, ...sizeRefusals(disk.sizeBytes, needBytes)];
}

/** Reasons an existing partition of `disk` must not be formatted (installing into partitions). */
export function partitionRefusalsFor(
  part: PartitionInfo,
  disk: DiskInfo,
  machine: MachineFacts,
  needBytes: number | null,
): Refusal[] {
  const out = [...deviceRefusals(disk, machine), ...mountRefusals(part.mountpoints, part.path)];
  if (part.swapActive) out.push({ code: 'swap', params: { device: part.path } });
  // The partition itself, or the whole disk held open (a partition editor): other partitions' users are theirs.
  out.push(...inUseRefusals(disk.inUse, [part.path, disk.path]));
  return [...out, ...sizeRefusals(part.sizeBytes, needBytes)];
}
