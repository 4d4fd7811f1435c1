// Pure: the partition table made on an erased disk, what each partition holds (the device tree: partition →
// LUKS2 container → filesystem), and the sfdisk script that makes it. An encrypted root gets a plain /boot
// beside it: GRUB 2.06-2.12 cannot read LUKS2 with argon2id, so the kernel and initramfs live outside it.
import type { Filesystem, Layout } from '../../shared/answers.ts';
import { BIOS_BOOT_BYTES, ESP_BYTES, GiB, MiB } from '../disks/safety.ts';
import type { PlannedPartition } from '../../shared/plan.ts';

export type ConcreteLayout = Exclude<Layout, 'auto'>;

/** The plain /boot of an encrypted install: room for a few kernels and their initramfs images. */
export const BOOT_BYTES = 1 * GiB;

/** GPT type GUIDs and MBR type bytes (spelled out: sfdisk's aliases vary between versions). */
export const PART_TYPES = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  linuxGpt: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  /** GPT's "Linux extended boot" is for the boot loader spec's XBOOTLDR; a /boot for GRUB is plain Linux data. */
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

export interface LayoutUuids {
  /** The root filesystem's UUID. */
  root: string;
  /** The ESP's UUID as fstab spells it (gpt-uefi). */
  esp?: string;
  /** With encryption: the LUKS2 container's UUID and the plain /boot filesystem's. */
  luks?: string;
  boot?: string;
}

/** The LUKS mapping's name: the one the installed system's crypttab opens it as, too. */
export function luksName(luksUuid: string): string {
  return `luks-${luksUuid}`;
}

/**
 * sfdisk starts the first partition at 1 MiB and, on GPT, keeps the last MiB for the backup table
 * (measured here: 1 GiB disk, 512 MiB ESP → a 510 MiB root). The root gets the rest.
 */
function rootBytes(diskBytes: number, others: number, gpt: boolean): number {
  const usable = diskBytes - MiB - others - (gpt ? 33 * 512 : 0);
  return Math.max(0, Math.floor(usable / MiB) * MiB);
}

export function diskLayout(layout: ConcreteLayout, diskBytes: number, fs: Filesystem, uuids: LayoutUuids): DiskLayout {
  const gpt = layout !== 'mbr-bios';
  const parts: { p: Omit<PlannedPartition, 'number'>; line: string }[] = [];
  if (layout === 'gpt-uefi') {
    parts.push({
      p: { role: 'esp', sizeBytes: ESP_BYTES, fs: { type: 'vfat', ...(uuids.esp ? { uuid: uuids.esp } : {}), format: true, mountpoint: '/boot/efi' } },
      line: `size=${ESP_BYTES / MiB}MiB, type=${PART_TYPES.esp}, name="EFI System"`,
    });
  }
  if (layout === 'gpt-bios') parts.push({ p: { role: 'bios', sizeBytes: BIOS_BOOT_BYTES }, line: `size=${BIOS_BOOT_BYTES / MiB}MiB, type=${PART_TYPES.biosBoot}, name="BIOS boot"` });
  const encrypted = uuids.luks !== undefined;
  if (encrypted) {
    parts.push({
      p: { role: 'boot', sizeBytes: BOOT_BYTES, fs: { type: 'ext4', ...(uuids.boot ? { uuid: uuids.boot } : {}), format: true, mountpoint: '/boot' } },
      line: gpt ? `size=${BOOT_BYTES / MiB}MiB, type=${PART_TYPES.linuxGpt}, name="LiveKit boot"` : `size=${BOOT_BYTES / MiB}MiB, type=${PART_TYPES.linuxMbr}, bootable`,
    });
  }
  const others = parts.reduce((n, x) => n + (x.p.sizeBytes ?? 0), 0);
  parts.push({
    p: {
      role: 'root',
      sizeBytes: rootBytes(diskBytes, others, gpt),
      ...(encrypted ? { luks: { uuid: uuids.luks!, name: luksName(uuids.luks!) } } : {}),
      fs: { type: fs, uuid: uuids.root, format: true, mountpoint: '/' },
    },
    // The MBR layout boots from /boot when there is one, else from root.
    line: gpt ? `type=${PART_TYPES.linuxGpt}, name="LiveKit root"` : `type=${PART_TYPES.linuxMbr}${encrypted ? '' : ', bootable'}`,
  });
  return {
    table: gpt ? 'gpt' : 'dos',
    partitions: parts.map((x, i) => ({ ...x.p, number: i + 1 }) as PlannedPartition).map(({ role, number, ...rest }) => ({ role, number, ...rest })),
    sfdiskScript: [`label: ${gpt ? 'gpt' : 'dos'}`, ...parts.map((x) => x.line), ''].join('\n'),
  };
}

/** A FAT volume id (8 hex digits, for mkfs.vfat -i) from a UUID, and how fstab and blkid spell it. */
export function vfatVolumeId(uuid: string): { volid: string; uuid: string } {
  // The last 8 digits: random in a v4 UUID (the first ones are too, but time-ordered UUIDs share them).
  const hex = uuid.replace(/-/g, '').slice(-8).toUpperCase().padStart(8, '0');
  return { volid: hex, uuid: `${hex.slice(0, 4)}-${hex.slice(4)}` };
}
