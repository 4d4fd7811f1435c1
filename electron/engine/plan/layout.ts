// Pure: the partition table made on an erased disk, and the sfdisk script that makes it.
import type { Filesystem, Layout } from '../../shared/answers.ts';
import { BIOS_BOOT_BYTES, ESP_BYTES, MiB } from '../disks/safety.ts';
import type { PlannedPartition } from '../../shared/plan.ts';

export type ConcreteLayout = Exclude<Layout, 'auto'>;

/** GPT type GUIDs and MBR type bytes (spelled out: sfdisk's aliases vary between versions). */
export const PART_TYPES = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  linuxGpt: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  linuxMbr: '83',
} as const;

/** `auto` follows the firmware: UEFI → GPT with an ESP, BIOS → GPT with a BIOS boot partition. */
export function concreteLayout(layout: Layout, firmware: 'uefi' | 'bios'): ConcreteLayout {
  if (layout !== 'auto') return layout;
  return firmware === 'uefi' ? 'gpt-uefi' : 'gpt-bios';
}

export function firmwareOfLayout(layout: ConcreteLayout): 'uefi' | 'bios' {
  return layout === 'gpt-uefi' ? 'uefi' : 'bios';
}

export interface DiskLayout {
  table: 'gpt' | 'dos';
  partitions: PlannedPartition[];
  /** sfdisk's input script (fed on stdin). */
  sfdiskScript: string;
}

/**
 * sfdisk starts the first partition at 1 MiB and, on GPT, keeps the last MiB for the backup table
 * (measured here: 1 GiB disk, 512 MiB ESP → a 510 MiB root). The root gets the rest.
 */
function rootBytes(diskBytes: number, others: number, gpt: boolean): number {
  const usable = diskBytes - MiB - others - (gpt ? 33 * 512 : 0);
  return Math.max(0, Math.floor(usable / MiB) * MiB);
}

export function diskLayout(
  layout: ConcreteLayout,
  diskBytes: number,
  fs: Filesystem,
  uuids: { root: string; esp?: string },
): DiskLayout {
  const root = (number: number, others: number, gpt: boolean): PlannedPartition => ({
    role: 'root',
    number,
    sizeBytes: rootBytes(diskBytes, others, gpt),
    format: fs,
    uuid: uuids.root,
    mountpoint: '/',
  });
  switch (layout) {
    case 'gpt-uefi':
      return {
        table: 'gpt',
        partitions: [
          { role: 'esp', number: 1, sizeBytes: ESP_BYTES, format: 'vfat', ...(uuids.esp ? { uuid: uuids.esp } : {}), mountpoint: '/boot/efi' },
          root(2, ESP_BYTES, true),
        ],
        sfdiskScript: [
          'label: gpt',
          `size=${ESP_BYTES / MiB}MiB, type=${PART_TYPES.esp}, name="EFI System"`,
          `type=${PART_TYPES.linuxGpt}, name="LiveKit root"`,
          '',
        ].join('\n'),
      };
    case 'gpt-bios':
      return {
        table: 'gpt',
        partitions: [
          { role: 'bios', number: 1, sizeBytes: BIOS_BOOT_BYTES, mountpoint: '' },
          root(2, BIOS_BOOT_BYTES, true),
        ],
        sfdiskScript: [
          'label: gpt',
          `size=${BIOS_BOOT_BYTES / MiB}MiB, type=${PART_TYPES.biosBoot}, name="BIOS boot"`,
          `type=${PART_TYPES.linuxGpt}, name="LiveKit root"`,
          '',
        ].join('\n'),
      };
    case 'mbr-bios':
      return {
        table: 'dos',
        partitions: [root(1, 0, false)],
        sfdiskScript: ['label: dos', `type=${PART_TYPES.linuxMbr}, bootable`, ''].join('\n'),
      };
  }
}

/** A FAT volume id (8 hex digits, for mkfs.vfat -i) from a UUID, and how fstab and blkid spell it. */
export function vfatVolumeId(uuid: string): { volid: string; uuid: string } {
  // The last 8 digits: random in a v4 UUID (the first ones are too, but time-ordered UUIDs share them).
  const hex = uuid.replace(/-/g, '').slice(-8).toUpperCase().padStart(8, '0');
  return { volid: hex, uuid: `${hex.slice(0, 4)}-${hex.slice(4)}` };
}
