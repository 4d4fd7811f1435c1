// One repair at a time, and never while an install runs (nor an install while a repair runs): starts a
// kept repair plan, cancels it; publishes its events to its own hub (the install's EventHub class, the
// same events and the same folded state), so the install wizard's stream never sees a repair. The
// password of a password repair lives only in this call's memory and in the hub's secrets, which scrub
// every event's free text.
import type { EventHub } from './hub.ts';
import type { RescuePort } from './rescue.ts';
import type { RepairPlan } from '../../shared/rescue.ts';

export class RepairBusyError extends Error {
  constructor(what: 'repair' | 'install') {
    super(what === 'install' ? 'an install is running' : 'a repair is already running');
  }
}

export class RepairController {
  private running: AbortController | null = null;
  private starting = false;
  /** The plan of the repair under way or last run (a reloaded page shows it again). */
  plan: RepairPlan | null = null;
  /** Settles when the current repair ends (tests and shutdown wait on it). */
  current: Promise<void> = Promise.resolve();

  constructor(
    private rescue: RescuePort,
    readonly hub: EventHub,
    private installBusy: () => boolean,
  ) {}

  get busy(): boolean {
    return this.running !== null || this.starting;
  }

  /** Throws before anything is written when busy, the plan is unknown or its system changed. */
  async start(planId: string, password: string | undefined): Promise<{ started: true; planId: string }> {
    if (this.busy) throw new RepairBusyError('repair');
    if (this.installBusy()) throw new RepairBusyError('install');
    this.starting = true;
    let plan: RepairPlan;
    try {
      ({ plan } = await this.rescue.confirmRepair(planId));
    } finally {
      this.starting = false;
    }
    if (this.running) throw new RepairBusyError('repair');
    const abort = new AbortController();
    this.running = abort;
    this.plan = plan;
    this.hub.setSecrets(password ? [password] : []);
    this.hub.reset();
    this.current = this.rescue
      .runRepair(planId, { ...(password !== undefined ? { password } : {}), signal: abort.signal, onEvent: (e) => this.hub.publish(e) })
      .then(
        () => undefined,
        (err: unknown) => {
          this.hub.publish({ type: 'error', step: null, message: err instanceof Error ? err.message : String(err) });
          this.hub.publish({ type: 'done', ok: false });
        },
      )
      .finally(() => {
        this.running = null;
      });
    return { started: true, planId };
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }
}
