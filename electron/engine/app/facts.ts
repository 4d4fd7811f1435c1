// The application layer's facts: the machine as both front ends see it — its disks (with the systems found
// on them, as root), each disk's refusals for the chosen variant, the variants on the medium, and answers
// checked against them. The CLI and the service call these; neither assembles facts itself.
import type { DiskInfo, MachineFacts, Refusal, SysrootInfo } from '../../shared/facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { withOperatingSystems } from '../disks/os-probe.ts';
import { refusalsFor, requiredBytes } from '../disks/safety.ts';
import { listSysroots } from '../medium/sysroots.ts';
import { validateAnswers, type ValidationResult } from '../answers/validate.ts';
import { swapBytesFor } from '../plan/swap.ts';
import { withPassphraseFile } from '../answers/passphrase-file.ts';

/** Where the engine reads the medium and the machine from. */
export interface EngineSource {
  /** The kernel command line (from /proc/cmdline or --cmdline-file). */
  cmdline: string;
  mediumDir?: string;
  sysrootsDir?: string;
}

export function machineFacts(src: EngineSource): Promise<MachineFacts> {
  return collectMachineFacts({ cmdline: src.cmdline, ...(src.mediumDir ? { mediumDir: src.mediumDir } : {}) });
}

/** The facts with the system found on each partition: a read-only probe in a private namespace, root only. */
export function withSystems(machine: MachineFacts): Promise<MachineFacts> {
  return process.getuid?.() === 0 ? withOperatingSystems(machine) : Promise.resolve(machine);
}

/** The variants on the medium, titled in `lang`; `onWarning` takes what listSysroots would print. */
export function sysrootsOf(src: EngineSource, machine: MachineFacts, lang: string, onWarning?: (w: string) => void): Promise<SysrootInfo[]> {
  return listSysroots({ ...(src.sysrootsDir ? { sysrootsDir: src.sysrootsDir } : {}), ...(src.mediumDir ? { mediumDir: src.mediumDir } : {}), lang, machine, ...(onWarning ? { onWarning } : {}) });
}

/** Swap bytes the size check counts for a disk, by the planner's own rule; a malformed size counts 0 (validation names it). */
function swapFor(swap: string | undefined, ramBytes: number, diskBytes: number): number {
  try {
    return swapBytesFor(swap ?? 'auto', ramBytes, diskBytes);
  } catch {
    return 0;
  }
}

/** Each disk with why it cannot be erased; with a variant chosen, the size it needs (its swap included) counts too. */
export function diskChoices(machine: MachineFacts, chosen?: { sysroot: SysrootInfo; swap?: string }): { disk: DiskInfo; refusals: Refusal[] }[] {
  return machine.disks.map((disk) => ({
    disk,
    refusals: refusalsFor(disk, machine, chosen ? requiredBytes(chosen.sysroot, swapFor(chosen.swap, machine.ramBytes, disk.sizeBytes), machine.firmware) : null),
  }));
}

/** Answers checked against the variants on the medium (the CLI's `validate`, the wizard's checks). */
export async function validateFor(src: EngineSource, raw: unknown, machine?: MachineFacts): Promise<ValidationResult> {
  const pf = await withPassphraseFile(raw);
  if (!pf.ok) return { ok: false, problems: pf.problems };
  const m = machine ?? (await machineFacts(src));
  return validateAnswers(pf.raw, { sysroots: await sysrootsOf(src, m, 'en'), cmdline: src.cmdline });
}
