// Events an install emits: the CLI prints them (`--json`: one per line), the service streams them.
import type { ErrorParams } from './error-text.ts';
import type { Plan, StepId } from './plan.ts';

export interface ProgressEvent {
  type: 'progress';
  step: StepId;
  /** Bytes copied so far and the total expected (the copy step); 0/0 elsewhere. */
  bytes: number;
  total: number;
  /** Bytes per second, smoothed. */
  rate: number;
  /** Seconds left for the step, or null while unknown. */
  eta: number | null;
  /** Overall install progress 0..100, weighted by the plan's steps; never goes backwards. */
  percent: number;
}

export type InstallEvent =
  | { type: 'plan'; plan: Plan }
  | { type: 'step'; step: StepId; label: string; index: number; count: number; state: 'start' | 'done' | 'failed' }
  | ProgressEvent
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  /** code/params: the failure for the UI to say in its language (CodedError); message: English, for logs. */
  | { type: 'error'; step: StepId | null; message: string; code?: string; params?: ErrorParams; command?: string[]; stderrTail?: string }
  | { type: 'cancelled' }
  | { type: 'done'; ok: boolean; logPath?: string };

export type InstallEventType = InstallEvent['type'];
