// Fans install events out to every connected client and keeps the folded state for replay.
// Secrets are scrubbed here as a last line of defence, by the engine's one redaction (free text only):
// nothing that reaches a client carries them, and the events' structure is never touched.
import type { InstallEvent } from '../../shared/events.ts';
import { redactEvent } from '../run/redact.ts';
import { initialInstallState, reduceInstall, type InstallState } from '../../shared/install-state.ts';
import type { ServiceMessage } from '../../shared/service.ts';

/**
 * Messages a subscriber may have waiting. A client that stops reading (a frozen window) would otherwise
 * hold every progress event in memory; past this, its backlog is replaced by one snapshot of the folded
 * state, which is all a client needs to catch up.
 */
export const MAX_BACKLOG = 2000;

type Listener = (m: ServiceMessage) => void;

export class EventHub {
  private state: InstallState = initialInstallState();
  private listeners = new Set<Listener>();
  private secrets: string[] = [];

  /** Secrets of the install under way; any free text in an event containing them is redacted. */
  setSecrets(secrets: string[]): void {
    this.secrets = secrets;
  }

  snapshot(): InstallState {
    return this.state;
  }

  publish(raw: InstallEvent): void {
    const event = redactEvent(raw, this.secrets);
    this.state = reduceInstall(this.state, event);
    this.fanOut({ type: 'event', event });
  }

  reset(): void {
    this.state = initialInstallState();
    this.fanOut({ type: 'snapshot', state: this.state });
  }

  /** A subscriber that throws is dropped; it never reaches the install that published. */
  private fanOut(m: ServiceMessage): void {
    for (const l of this.listeners) {
      try {
        l(m);
      } catch {
        this.listeners.delete(l);
      }
    }
  }

  /** Async stream for a subscription: the snapshot first, then live events, until `signal` aborts. */
  async *stream(signal?: AbortSignal): AsyncGenerator<ServiceMessage> {
    let queue: ServiceMessage[] = [{ type: 'snapshot', state: this.state }];
    let wake: (() => void) | null = null;
    const listener: Listener = (m) => {
      if (queue.length >= MAX_BACKLOG) queue = [{ type: 'snapshot', state: this.state }];
      else queue.push(m);
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      this.listeners.delete(listener);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
