// One background run at a time whose events go to a hub: an install or a repair. Counts as busy from the
// moment its plan is being confirmed; a run that throws ends in the hub as a failed run.
import type { InstallEvent } from '../../shared/events.ts';
import type { EventHub } from './hub.ts';
import { CodedError } from '../run/coded-error.ts';

export type RunJob<R> = (opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }) => Promise<R>;

export class HubRun {
  private running: AbortController | null = null;
  private starting = false;
  /** Settles when the current run ends (tests and shutdown wait on it). */
  current: Promise<void> = Promise.resolve();

  constructor(readonly hub: EventHub) {}

  get busy(): boolean {
    return this.running !== null || this.starting;
  }

  /** Awaits `confirm` (the engine's last checks before a write) while counted as busy. */
  async confirming<T>(confirm: () => Promise<T>): Promise<T> {
    this.starting = true;
    try {
      return await confirm();
    } finally {
      this.starting = false;
    }
  }

  /** Starts `job` in the background: the hub is reset and scrubs `secrets` until it ends; `onResult` sees how it ended. */
  launch<R>(secrets: string[], job: RunJob<R>, onResult: (r: R) => void = () => {}): void {
    const abort = new AbortController();
    this.running = abort;
    this.hub.setSecrets(secrets);
    this.hub.reset();
    this.current = job({ signal: abort.signal, onEvent: (e) => this.hub.publish(e) })
      .then(onResult, (err: unknown) => {
        // A coded failure (a log path refused before anything ran) keeps its code, for the UI's wording.
        const coded = err instanceof CodedError ? { code: err.code, params: err.params } : {};
        this.hub.publish({ type: 'error', step: null, message: err instanceof Error ? err.message : String(err), ...coded });
        this.hub.publish({ type: 'done', ok: false });
      })
      .finally(() => {
        this.running = null;
        // The run's secrets are kept for scrubbing its events only while it runs.
        this.hub.setSecrets([]);
      });
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }
}
