// Effects: the read-only check of each filesystem of a system (e2fsck -n and kin): nothing is mounted or
// changed. What is unclean is then repaired by a plan (planFsckRepair), after the person has seen this.
import { execa } from 'execa';
import type { FsckResult } from '../../shared/rescue.ts';
import { fsckCheckCommand, fsckTargets } from './plan.ts';
import type { InstalledSystem } from './types.ts';

export async function fsckReport(sys: InstalledSystem): Promise<FsckResult[]> {
  const results: FsckResult[] = [];
  for (const target of fsckTargets(sys)) {
    const c = fsckCheckCommand(target.fstype, target.device);
    if (!c) continue;
    const r = await execa(c.argv[0]!, c.argv.slice(1), { reject: false, env: { LC_ALL: 'C' }, all: true, timeout: 600_000 });
    results.push({ ...target, command: c.argv, exitCode: r.exitCode ?? 8, clean: c.clean.includes(r.exitCode ?? 8), output: String(r.all ?? '') });
  }
  return results;
}
