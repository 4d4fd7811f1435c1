// The install's current state, folded from InstallEvents. Pure: the service keeps one to replay to
// clients that connect or reload mid-install; the renderer folds the same events with the same function.
import type { InstallEvent, ProgressEvent } from './events.ts';
import type { Plan, StepId } from './plan.ts';

export type StepState = 'pending' | 'running' | 'done' | 'failed';
export type InstallPhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

/** The failure as the error event carried it. */
export type InstallError = Omit<Extract<InstallEvent, { type: 'error' }>, 'type'>;

export interface InstallState {
  phase: InstallPhase;
  plan: Plan | null;
  steps: { id: StepId; label: string; state: StepState }[];
  progress: ProgressEvent | null;
  /** Overall percent; kept separately so it never goes backwards even across step events. */
  percent: number;
  log: string[];
  error: InstallError | null;
  logPath: string | null;
}

export const LOG_TAIL_LINES = 500;

export function initialInstallState(): InstallState {
  return { phase: 'idle', plan: null, steps: [], progress: null, percent: 0, log: [], error: null, logPath: null };
}

/** Folds one event into the state (returns a new object; the input is not modified). */
export function reduceInstall(s: InstallState, e: InstallEvent): InstallState {
  switch (e.type) {
    case 'plan':
      return {
        ...initialInstallState(),
        phase: 'running',
        plan: e.plan,
        steps: e.plan.steps.map((st) => ({ id: st.id, label: st.label, state: 'pending' as const })),
      };
    case 'step': {
      const state: StepState = e.state === 'start' ? 'running' : e.state;
      const known = s.steps.some((st) => st.id === e.step);
      const steps = known
        ? s.steps.map((st) => (st.id === e.step ? { ...st, state } : st))
        : [...s.steps, { id: e.step, label: e.label, state }];
      return { ...s, phase: s.phase === 'idle' ? 'running' : s.phase, steps };
    }
    case 'progress':
      return { ...s, progress: e, percent: Math.max(s.percent, e.percent) };
    case 'log': {
      const log = [...s.log, e.message];
      return { ...s, log: log.length > LOG_TAIL_LINES ? log.slice(-LOG_TAIL_LINES) : log };
    }
    case 'error':
      return {
        ...s,
        error: { step: e.step, message: e.message, code: e.code, params: e.params, command: e.command, stderrTail: e.stderrTail },
        log: [...s.log, e.message].slice(-LOG_TAIL_LINES),
      };
    case 'cancelled':
      return { ...s, phase: 'cancelled' };
    case 'done':
      return {
        ...s,
        phase: e.ok ? 'done' : s.phase === 'cancelled' ? 'cancelled' : 'failed',
        percent: e.ok ? 100 : s.percent,
        logPath: e.logPath ?? s.logPath,
      };
  }
}
