// The one entry point of `livekit systems` (and of every command that names a system): the machine's
// facts, each candidate volume probed read-only, then the pure classifier.
import { existsSync } from 'node:fs';
import type { MachineFacts } from '../../shared/facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { classify } from './classify.ts';
import { probeMachine } from './prober.ts';
import type { RepairContext } from './plan.ts';
import type { FoundSystems, ProbeResults } from './types.ts';

export interface Found extends FoundSystems {
  machine: MachineFacts;
  probes: ProbeResults;
}

export async function findSystems(opts: { cmdline: string; mediumDir?: string; machine?: MachineFacts }): Promise<Found> {
  const machine = opts.machine ?? (await collectMachineFacts({ cmdline: opts.cmdline, ...(opts.mediumDir ? { mediumDir: opts.mediumDir } : {}) }));
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
