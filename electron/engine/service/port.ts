// What the service needs from the engine. The real implementation (engine.ts) calls the engine's own
// functions; tests of the service's transport and auth may hand a small one in.
import type { DiskInfo, MachineFacts, Refusal, SysrootInfo } from '../facts.ts';
import type { Plan } from '../plan/types.ts';
import type { Problem } from '../answers/problem.ts';
import type { InstallEvent } from '../run/events.ts';

/** The engine's own problem type, as the UI receives it. */
export type UiProblem = Problem;

export interface DiskChoice {
  disk: DiskInfo;
  /** Empty when the disk may be erased. */
  refusals: Refusal[];
}

export interface UiFacts {
  firmware: MachineFacts['firmware'];
  arch: string;
  ramBytes: number;
  gpuVendors: string[];
  cmdline: string;
  /** The locale from `LANG=` on the kernel command line, when present. */
  cmdlineLocale: string | null;
  sysroots: SysrootInfo[];
  disks: DiskChoice[];
  demo: boolean;
}

export type PlanOutcome =
  | { ok: true; plan: Plan }
  | { ok: false; problems: UiProblem[]; refusals: { disk: string; refusals: Refusal[] }[] };

export interface EnginePort {
  facts(opts: { lang: string; variant?: string; swap?: string }): Promise<UiFacts>;
  validate(raw: unknown): Promise<UiProblem[]>;
  plan(raw: unknown): Promise<PlanOutcome>;
  /** Restarts the machine after a finished install; the demo only answers that it will not. */
  reboot?(): Promise<{ rebooting: boolean }>;
  /** Runs a whole install; the answers carry the password. Resolves when it ends. */
  install(
    raw: unknown,
    opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void },
  ): Promise<{ ok: boolean; cancelled: boolean; problems?: UiProblem[]; refusals?: { disk: string; refusals: Refusal[] }[] }>;
}
