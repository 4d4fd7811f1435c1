// Safety under autoinstall: an answer file that names no disk gets one only when exactly one disk of
// the machine could be erased; with none, or with several, nothing is chosen and nothing is written.
import type { DiskInfo, MachineFacts } from '../facts.ts';
import { refusalsFor } from '../disks/safety.ts';

export type DiskChoice =
  | { ok: true; disk: string; named: boolean }
  | { ok: false; reason: 'no-candidate' | 'several-candidates'; candidates: string[] };

/** Disks nothing forbids erasing (size aside: the planner checks that against the variant). */
export function candidateDisks(machine: MachineFacts): DiskInfo[] {
  return machine.disks.filter((d) => d.type !== 'loop' && refusalsFor(d, machine, null).length === 0);
}

export function chooseDisk(raw: unknown, machine: MachineFacts): DiskChoice {
  const target = (raw as { target?: { disk?: unknown; partitions?: unknown } } | null)?.target;
  if (typeof target?.disk === 'string' || target?.partitions !== undefined) return { ok: true, disk: String(target?.disk ?? ''), named: true };
  const candidates = candidateDisks(machine).map((d) => d.path);
  if (candidates.length === 1) return { ok: true, disk: candidates[0]!, named: false };
  return { ok: false, reason: candidates.length === 0 ? 'no-candidate' : 'several-candidates', candidates };
}
