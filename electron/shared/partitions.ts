// Pure: what an existing partition is for, from its type and filesystem, so that "install into existing
// partitions" offers as root only partitions that can hold a filesystem, and as ESP only FAT ones.
import type { PartitionInfo } from './facts.ts';

/** GPT type GUIDs (lower case) and MBR type bytes of partitions that hold no filesystem of their own. */
const NOT_A_FILESYSTEM = new Set([
  '21686148-6449-6e6f-744e-656564454649', // BIOS boot (GRUB's core image)
  'e3c9e316-0b5c-4db8-817d-f92df00215ae', // Microsoft reserved
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f', // Linux swap (GPT)
  '0x5', '0xf', '0x85', '5', 'f', '85', // MBR extended containers
  '0x82', '82', // Linux swap (MBR)
]);
const ESP_TYPES = new Set(['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', '0xef', 'ef']);

export const MIN_ROOT_PARTITION_BYTES = 64 * 1024 * 1024;

export function isEspPartition(p: Pick<PartitionInfo, 'parttype' | 'fstype'>): boolean {
  return ESP_TYPES.has(p.parttype ?? '');
}

/** FAT partitions up to this size are taken for ESPs (often typed wrongly by old tools), never offered as root. */
const ESP_SIZED_FAT_BYTES = 1024 * 1024 * 1024;

/** May be formatted as the root filesystem: not a BIOS boot, reserved, swap, extended or EFI partition, nor tiny. */
export function isRootCandidate(p: Pick<PartitionInfo, 'parttype' | 'fstype' | 'sizeBytes'>): boolean {
  if (NOT_A_FILESYSTEM.has(p.parttype ?? '') || isEspPartition(p)) return false;
  if (p.fstype === 'swap') return false;
  if (p.fstype === 'vfat' && p.sizeBytes <= ESP_SIZED_FAT_BYTES) return false;
  return p.sizeBytes >= MIN_ROOT_PARTITION_BYTES;
}

/** May serve as the EFI system partition (kept): an ESP by type, or any FAT filesystem. */
export function isEspCandidate(p: Pick<PartitionInfo, 'parttype' | 'fstype'>): boolean {
  return isEspPartition(p) || p.fstype === 'vfat';
}
