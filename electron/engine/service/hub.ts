// Fans install events out to every connected client and keeps the folded state for replay.
// Secrets are scrubbed here as a last line of defence: nothing that reaches a client carries them.
import type { InstallEvent } from '../run/events.ts';
import { initialInstallState, reduceInstall, type InstallState } from './state.ts';

/** What a subscriber receives: first the current state, then each event as it happens. */
export type ServiceMessage = { type: 'snapshot'; state: InstallState } | { type: 'event'; event: InstallEvent };

type Listener = (m: ServiceMessage) => void;

/** Replaces every occurrence of each secret inside the event's strings. */
export function redact<T>(value: T, secrets: string[]): T {
  const live = secrets.filter((s) => s.length > 0);
  if (live.length === 0) return value;
  const json = JSON.stringify(value);
  let out = json;
  for (const s of live) {
    const encoded = JSON.stringify(s).slice(1, -1);
    out = out.split(encoded).join('[redacted]');
  }
  return out === json ? value : (JSON.parse(out) as T);
}

export class EventHub {
  private state: InstallState = initialInstallState();
  private listeners = new Set<Listener>();
  private secrets: string[] = [];

  /** Secrets of the install under way; any event text containing them is redacted. */
  setSecrets(secrets: string[]): void {
    this.secrets = secrets;
  }

  snapshot(): InstallState {
    return this.state;
  }

  publish(raw: InstallEvent): void {
    const event = redact(raw, this.secrets);
    this.state = reduceInstall(this.state, event);
    for (const l of this.listeners) l({ type: 'event', event });
  }

  reset(): void {
    this.state = initialInstallState();
    for (const l of this.listeners) l({ type: 'snapshot', state: this.state });
  }

  /** Async stream for a subscription: the snapshot first, then live events, until `signal` aborts. */
  async *stream(signal?: AbortSignal): AsyncGenerator<ServiceMessage> {
    const queue: ServiceMessage[] = [{ type: 'snapshot', state: this.state }];
    let wake: (() => void) | null = null;
    const listener: Listener = (m) => {
      queue.push(m);
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
