// Pure resolution of the Plan's run-time placeholders: `{disk}` and `{part:<role>}`.
import type { PlannedPartition } from '../../shared/plan.ts';

/** The device name of partition `n` on `disk`: nvme0n1p1, loop3p2, mmcblk0p1 but sda1, vdb2. */
export function partitionDevice(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

/** Maps each planned partition role to its device (an existing device, or disk + number). */
export function partitionDevices(partitions: PlannedPartition[], disk: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of partitions) {
    if (p.device) out[p.role] = p.device;
    else if (p.number !== undefined && disk) out[p.role] = partitionDevice(disk, p.number);
  }
  return out;
}

export class UnresolvedPlaceholderError extends Error {
  constructor(readonly placeholder: string) {
    super(`cannot resolve ${placeholder} yet`);
    this.name = 'UnresolvedPlaceholderError';
  }
}

/** Replaces `{disk}` and `{part:<role>}` in a string; throws on one that cannot be resolved. */
export function resolvePlaceholders(text: string, disk: string | undefined, parts: Record<string, string>): string {
  return text.replace(/\{(disk|part:([a-z]+))\}/g, (whole, _k: string, role: string | undefined) => {
    const v = role ? parts[role] : disk;
    if (!v) throw new UnresolvedPlaceholderError(whole);
    return v;
  });
}
