// What the engine service tells its clients (the renderer, the Electron shell, tests): the machine as the
// UI shows it, the outcome of planning, and the messages of the event stream. Types only.
import type { DiskInfo, MachineFacts, Refusal, SysrootInfo } from './facts.ts';
import type { Plan } from './plan.ts';
import type { Problem } from './problem.ts';
import type { InstallEvent } from './events.ts';
import type { InstallState } from './install-state.ts';

/** The engine's own problem type, as the UI receives it. */
export type UiProblem = Problem;

export interface DiskChoice {
  disk: DiskInfo;
  /** Empty when the disk may be erased. */
  refusals: Refusal[];
}

/** Something to tell before installing that does not stop it; `code` maps to `app:warning.<code>`. */
export interface MachineWarning {
  code: 'low-ram' | 'on-battery';
  params?: Record<string, string | number>;
}

export interface UiFacts {
  firmware: MachineFacts['firmware'];
  arch: string;
  ramBytes: number;
  gpuVendors: string[];
  cmdline: string;
  /** The locale from `LANG=` on the kernel command line, when present. */
  cmdlineLocale: string | null;
  /** The sysroot the Live session booted (`livekit.boot=` on the command line), when present. */
  bootSysroot?: string | null;
  /** Little memory, on battery: said before installing, never a refusal. */
  warnings?: MachineWarning[];
  sysroots: SysrootInfo[];
  disks: DiskChoice[];
  demo: boolean;
  /** The kernel can open a LUKS container (device-mapper and dm-crypt): encryption is offered only then. */
  canOpenLuks?: boolean;
}

export type PlanOutcome =
  /** `planId` names the plan the service keeps: `install({ planId })` runs exactly this plan. */
  | { ok: true; plan: Plan; planId: string }
  | { ok: false; problems: UiProblem[]; refusals: { disk: string; refusals: Refusal[] }[] };

/** What a subscriber receives: first the current state, then each event as it happens. */
export type ServiceMessage = { type: 'snapshot'; state: InstallState } | { type: 'event'; event: InstallEvent };

/** The wizard's session as the service keeps it (see engine/service/session.ts). */
export interface WizardSession {
  page: string;
  language: string;
  fields: Record<string, unknown>;
  secrets: Record<string, string>;
}
