// One repair at a time, and never while an install runs (nor an install while a repair runs): starts a
// kept repair plan, cancels it; publishes its events to its own hub (the install's EventHub class, the
// same events and the same folded state), so the install wizard's stream never sees a repair. The
// password of a password repair, and an encrypted system's passphrase, live only in this call's memory and
// in the hub's secrets (which scrub every event's free text) while the repair runs.
import type { EventHub } from './hub.ts';
import { HubRun } from './hub-run.ts';
import { assertRepairPassword, opensContainer, type RescuePort } from './rescue.ts';
import { PassphraseNeededError } from '../app/repair.ts';
import type { RepairPlan } from '../../shared/rescue.ts';

export class RepairBusyError extends Error {
  constructor(what: 'repair' | 'install') {
    super(what === 'install' ? 'an install is running' : 'a repair is already running');
  }
}

export class RepairController {
  private run: HubRun;
  /** The plan of the repair under way or last run (a reloaded page shows it again). */
  plan: RepairPlan | null = null;

  constructor(
    private rescue: RescuePort,
    readonly hub: EventHub,
    private installBusy: () => boolean,
  ) {
    this.run = new HubRun(hub);
  }

  get busy(): boolean {
    return this.run.busy;
  }

  /** Settles when the current repair ends (tests and shutdown wait on it). */
  get current(): Promise<void> {
    return this.run.current;
  }

  /**
   * Throws before anything is written when the password is refused (the install's rule), an encrypted
   * system's passphrase is missing, the service is busy, the plan is unknown or its system changed. A
   * wrong passphrase fails the run's first step (the container is not opened), said as such.
   */
  async start(planId: string, password: string | undefined, passphrase?: string): Promise<{ started: true; planId: string }> {
    if (password !== undefined) assertRepairPassword(password);
    if (this.busy) throw new RepairBusyError('repair');
    if (this.installBusy()) throw new RepairBusyError('install');
    const { plan } = await this.run.confirming(() => this.rescue.confirmRepair(planId));
    if (plan.repair === 'password') assertRepairPassword(password ?? '');
    if (opensContainer(plan) && !passphrase) throw new PassphraseNeededError(plan.system.id);
    if (this.busy) throw new RepairBusyError('repair');
    this.plan = plan;
    const secrets = [password, passphrase].filter((x): x is string => !!x);
    this.run.launch(secrets, (opts) => this.rescue.runRepair(planId, { ...(password !== undefined ? { password } : {}), ...(passphrase ? { passphrase } : {}), ...opts }));
    return { started: true, planId };
  }

  cancel(): boolean {
    return this.run.cancel();
  }
}
