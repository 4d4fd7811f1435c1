// The one entry point of `livekit systems` (and of every command that names a system): the machine's
// facts, each candidate volume probed read-only, then the pure classifier.
import type { MachineFacts } from '../../shared/facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { classify } from './classify.ts';
import { probeMachine } from './prober.ts';
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
