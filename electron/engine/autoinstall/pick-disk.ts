// Safety under autoinstall: an answer file that names no disk gets one only when exactly one disk of
// the machine could be erased; with none, or with several, nothing is chosen and nothing is written.
// The disk the answers were read from is never a candidate, nor one too small for the variant (a VM's
// floppy drive, a card reader's card), which would otherwise make a one-disk machine look like two.
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import { refusalsFor } from '../disks/safety.ts';

export type DiskChoice =
  | { ok: true; disk: string; named: boolean }
  | { ok: false; reason: 'no-candidate' | 'several-candidates'; candidates: string[] };

/**
 * Disks nothing forbids erasing. `needBytes`: the variant's smallest disk without swap (the planner
 * checks the exact need, swap included, once a disk is chosen); null when the variant is unknown.
 */
export function candidateDisks(machine: MachineFacts, exclude: string[] = [], needBytes: number | null = null): DiskInfo[] {
  const excluded = (d: DiskInfo) => [d.path, ...d.partitions.map((p) => p.path)].some((p) => exclude.includes(p));
  return machine.disks.filter((d) => d.type !== 'loop' && !excluded(d) && refusalsFor(d, machine, needBytes).length === 0);
}

/** `exclude`: devices that must not be chosen (the volume holding the answers). */
export function chooseDisk(raw: unknown, machine: MachineFacts, exclude: string[] = [], needBytes: number | null = null): DiskChoice {
  const target = (raw as { target?: { disk?: unknown; partitions?: unknown } } | null)?.target;
  if (typeof target?.disk === 'string' || target?.partitions !== undefined) return { ok: true, disk: String(target?.disk ?? ''), named: true };
  const candidates = candidateDisks(machine, exclude, needBytes).map((d) => d.path);
  if (candidates.length === 1) return { ok: true, disk: candidates[0]!, named: false };
  return { ok: false, reason: candidates.length === 0 ? 'no-candidate' : 'several-candidates', candidates };
}
