// The application layer's systems: the one entry point of `livekit systems`, the wizard's repair path and
// every command that names a system — the machine's facts, each candidate volume probed read-only, then
// the pure classifier.
import { existsSync } from 'node:fs';
import type { MachineFacts } from '../../shared/facts.ts';
import { machineFacts } from './facts.ts';
import { classify } from '../rescue/classify.ts';
import { probeMachine } from '../rescue/prober.ts';
import type { RepairContext } from '../rescue/plan.ts';
import type { FoundSystems, ProbeResults } from '../rescue/types.ts';

export interface Found extends FoundSystems {
  machine: MachineFacts;
  probes: ProbeResults;
}

export async function findSystems(opts: { cmdline: string; mediumDir?: string; machine?: MachineFacts }): Promise<Found> {
  const machine = opts.machine ?? (await machineFacts(opts));
  const probes = await probeMachine(machine);
  return { ...classify(machine, probes), machine, probes };
}

/** What the repair planner needs to know of this machine besides the system: the CLI's and the service's. */
export function repairContext(found: Found, targetRoot: string, logPath?: string): RepairContext {
  return {
    arch: found.machine.arch,
    firmware: found.machine.firmware,
    vfat: found.probes.kernelFilesystems.includes('vfat'),
    efivars: existsSync('/sys/firmware/efi/efivars'),
    targetRoot,
    ...(logPath ? { logPath } : {}),
  };
}
