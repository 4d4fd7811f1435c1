// What the service needs from the engine. The real implementation (engine.ts) calls the engine's own
// functions; tests of the service's transport and auth may hand a small one in.
import type { InstallEvent } from '../../shared/events.ts';
import type { PlanOutcome, UiFacts, UiProblem } from '../../shared/service.ts';


export interface EnginePort {
  facts(opts: { lang: string; variant?: string; swap?: string }): Promise<UiFacts>;
  validate(raw: unknown): Promise<UiProblem[]>;
  /** Validates, plans and keeps the plan (with the parsed answers and the targets' identity) under an id. */
  plan(raw: unknown): Promise<PlanOutcome>;
  /** Plans again from a kept plan's answers (a retry after a failure: the disk has changed since). */
  replan(planId: string): Promise<PlanOutcome>;
  /**
   * Before an install starts: the plan exists and its targets are still the disks it was made for, else
   * throws (PlanUnknownError, TargetChangedError). Returns the secrets the hub must scrub.
   */
  confirm(planId: string): Promise<{ secrets: string[] }>;
  /** Restarts the machine after a finished install; the demo only answers that it will not. */
  reboot?(): Promise<{ rebooting: boolean }>;
  /** Runs a kept plan. Resolves when it ends. */
  install(planId: string, opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }): Promise<{ ok: boolean; cancelled: boolean }>;
}
