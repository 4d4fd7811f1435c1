// Pure: which volumes of the machine the prober reads, and how. Nothing on a disk that holds the Live
// medium is read (it is listed as the medium); nothing mounted is mounted again (it is in use); locked,
// LVM and NTFS volumes are reported by their type alone.
import type { DiskInfo, MachineFacts, PartitionInfo } from '../../shared/facts.ts';

/** Filesystems a Linux root or /boot can be on that the prober mounts read-only. */
export const LINUX_FILESYSTEMS = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'] as const;

export interface Volume {
  disk: DiskInfo;
  part: PartitionInfo;
}

export type ProbeHow =
  /** Mount read-only with these options in a private namespace, then read. */
  | { kind: 'mount'; fstype: string; options: string[] }
  /** Read a FAT filesystem's EFI directory with mtools (no mount: some kernels have no vfat). */
  | { kind: 'fat' };

/** Read-only and without replaying a journal: probing must not change a byte (`noload`: ext3/4, `norecovery`: xfs). */
export function mountOptions(fstype: string): string[] {
  if (fstype === 'ext3' || fstype === 'ext4') return ['ro', 'noload'];
  if (fstype === 'xfs') return ['ro', 'norecovery'];
  // btrfs: the top level, where `@` and the other subvolumes are.
  if (fstype === 'btrfs') return ['ro', 'subvolid=5'];
  return ['ro'];
}

/** Every volume: the partitions, or the disk itself when it carries a filesystem without a partition table. */
export function volumesOf(machine: MachineFacts): Volume[] {
  return machine.disks.flatMap((disk) =>
    disk.partitions.length > 0
      ? disk.partitions.map((part) => ({ disk, part }))
      : disk.fstype
        ? [{ disk, part: { path: disk.path, sizeBytes: disk.sizeBytes, fstype: disk.fstype, mountpoints: disk.mountpoints, swapActive: !!disk.swapActive } }]
        : [],
  );
}

export function isLiveDisk(disk: DiskInfo, machine: MachineFacts): boolean {
  return [disk.path, ...disk.partitions.map((p) => p.path)].some((d) => machine.liveDevices.includes(d));
}

/** How to read `v`, or undefined when it is not read (live medium, in use, not a filesystem we read). */
export function probeHow(v: Volume, machine: MachineFacts): ProbeHow | undefined {
  if (isLiveDisk(v.disk, machine) || v.part.mountpoints.length > 0 || v.part.swapActive) return undefined;
  const fs = v.part.fstype;
  if (!fs) return undefined;
  if ((LINUX_FILESYSTEMS as readonly string[]).includes(fs)) return { kind: 'mount', fstype: fs, options: mountOptions(fs) };
  if (fs === 'vfat') return { kind: 'fat' };
  return undefined;
}
