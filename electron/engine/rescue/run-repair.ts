// Runs a repair plan as an install runs: its disk locked against every other LiveKit run (an install onto it,
// a second repair) for the time it runs, by the executor that records and releases what it holds.
import type { RepairPlan } from '../../shared/rescue.ts';
import { execute, type ExecuteOptions, type ExecuteResult } from '../run/executor.ts';
import { lockTargets } from '../run/target-lock.ts';

/** Throws TargetBusyError (nothing run) when another run holds the system's disk. */
export async function runRepairPlan(plan: RepairPlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const locks = await lockTargets([plan.system.disk], `repair ${plan.repair} of ${plan.system.id}`);
  try {
    return await execute(plan, opts);
  } finally {
    await locks.release();
  }
}
