// One install at a time: starts it, cancels it, retries the last one; publishes its events to the hub.
// The password lives only in memory here (for a retry) and is scrubbed from every event.
import type { EventHub } from './hub.ts';
import type { EnginePort, UiProblem } from './port.ts';
import type { Refusal } from '../facts.ts';

export class InstallBusyError extends Error {
  constructor() {
    super('an install is already running');
  }
}

export type StartResult =
  | { started: true }
  | { started: false; problems: UiProblem[]; refusals: { disk: string; refusals: Refusal[] }[] };

function secretsOf(raw: unknown): string[] {
  const user = (raw as { user?: { password?: unknown; 'password-hash'?: unknown } } | null)?.user;
  return [user?.password, user?.['password-hash']].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export class InstallController {
  private running: AbortController | null = null;
  private last: unknown = null;
  /** Settles when the current install ends (tests and shutdown wait on it). */
  current: Promise<void> = Promise.resolve();

  constructor(
    private engine: EnginePort,
    private hub: EventHub,
  ) {}

  get busy(): boolean {
    return this.running !== null;
  }

  /** Plans first (so problems come back synchronously to the caller), then runs in the background. */
  async start(raw: unknown): Promise<StartResult> {
    if (this.running) throw new InstallBusyError();
    const planned = await this.engine.plan(raw);
    if (!planned.ok) return { started: false, problems: planned.problems, refusals: planned.refusals };
    if (this.running) throw new InstallBusyError();
    const abort = new AbortController();
    this.running = abort;
    this.last = raw;
    this.hub.setSecrets(secretsOf(raw));
    this.hub.reset();
    this.current = this.engine
      .install(raw, { signal: abort.signal, onEvent: (e) => this.hub.publish(e) })
      .then(
        (r) => {
          if (!r.ok && r.problems) {
            this.hub.publish({ type: 'error', step: null, message: r.problems.map((p) => p.message).join('; ') });
            this.hub.publish({ type: 'done', ok: false });
          }
        },
        (err: unknown) => {
          this.hub.publish({ type: 'error', step: null, message: err instanceof Error ? err.message : String(err) });
          this.hub.publish({ type: 'done', ok: false });
        },
      )
      .finally(() => {
        this.running = null;
      });
    return { started: true };
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  /** Runs the last answers again, only after a failure or cancel (never re-erases a finished install). */
  async retry(): Promise<StartResult> {
    if (this.hub.snapshot().phase === 'done') return { started: false, problems: [{ path: '', code: 'app:problem.already-done', message: 'the install is already done' }], refusals: [] };
    if (this.last === null) return { started: false, problems: [{ path: '', code: 'app:problem.no-previous-install', message: 'nothing to retry' }], refusals: [] };
    return this.start(this.last);
  }
}
