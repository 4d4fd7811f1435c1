// What every action handler of the executor may use: the plan, the target's devices, what the run holds,
// the commands it runs (logged, journaled), its log and the step's progress. Handlers hold no state of
// their own: what a run learns (the disk, what it holds) lives here.
import type { ExecutablePlan, StepId } from '../../../shared/plan.ts';
import type { SecretRef } from '../../../shared/secrets.ts';
import type { ProgressEvent } from '../../../shared/events.ts';
import type { Copier } from '../copier.ts';
import type { HeldStack } from '../held-stack.ts';
import type { OpenLog } from '../output-file.ts';
import type { CommandRunner, RunResult } from '../runner.ts';
import type { TargetDevices } from './devices.ts';

export interface RunExtra {
  stdin?: string;
  env?: Record<string, string>;
  okExitCodes?: number[];
  /** false: not stopped by a cancel (releasing). */
  abortable?: boolean;
}

export interface ExecContext {
  plan: ExecutablePlan;
  devices: TargetDevices;
  held: HeldStack;
  /** Runs a command: logged with its output, noted in the journal while it runs, stopped by a cancel. */
  run(argv: string[], extra?: RunExtra): Promise<RunResult>;
  /** The same runner for copiers, which log their own way. */
  runner: CommandRunner;
  signal: AbortSignal;
  log(message: string, level?: 'info' | 'warn' | 'debug'): void;
  /** A secret the plan names by ref; throws when the run was not given it. */
  secret(ref: SecretRef): string;
  logOut: OpenLog;
  copier?: Copier;
  verifyTargets?: () => Promise<void>;
  settleTimeoutMs?: number;
}

/** The step an action runs in: where its progress goes. */
export interface StepContext {
  id: StepId;
  /** The step's share done, 0..1 (the overall percent follows). */
  setFraction(f: number): void;
  progress(p: Omit<ProgressEvent, 'type' | 'step' | 'percent'>): void;
}
