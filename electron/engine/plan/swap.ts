// Pure: how big the swap file is.
import type { Filesystem } from '../../shared/answers.ts';
import { parseSize } from '../answers/size.ts';
import { GiB, MiB } from '../disks/safety.ts';

/** No swap file above this size unless asked for explicitly: hibernation is not set up by the installer. */
export const SWAP_CAP_BYTES = 8 * GiB;
/** An automatic swap file never takes more than this share of the root filesystem's space. */
export const SWAP_DISK_SHARE = 0.05;
/** Below this an automatic swap file is not worth making. */
export const SWAP_MIN_BYTES = 256 * MiB;

/**
 * `swap: auto`: RAM ≤ 2 GiB → 2 × RAM; RAM ≤ 8 GiB → RAM; more → 8 GiB. Then capped at 8 GiB and at 5 % of
 * the space the root filesystem gets, rounded down to MiB; under 256 MiB means no swap file at all.
 */
export function autoSwapBytes(ramBytes: number, rootSpaceBytes: number): number {
  const byRam = ramBytes <= 2 * GiB ? 2 * ramBytes : ramBytes <= 8 * GiB ? ramBytes : SWAP_CAP_BYTES;
  const capped = Math.min(byRam, SWAP_CAP_BYTES, rootSpaceBytes * SWAP_DISK_SHARE);
  const mib = Math.floor(capped / MiB) * MiB;
  return mib >= SWAP_MIN_BYTES ? mib : 0;
}

/** Swap bytes for the answer `auto`, `none` or a size (rounded down to MiB); throws on a malformed size. */
export function swapBytesFor(answer: string, ramBytes: number, rootSpaceBytes: number): number {
  const a = answer.trim().toLowerCase();
  if (a === 'none' || a === '0') return 0;
  if (a === 'auto') return autoSwapBytes(ramBytes, rootSpaceBytes);
  return Math.floor(parseSize(answer) / MiB) * MiB;
}

/** btrfs keeps the swap file in its own subvolume (no snapshots, no COW); others at the root. */
export function swapFilePath(fs: Filesystem): string {
  return fs === 'btrfs' ? '/swap/swapfile' : '/swapfile';
}
