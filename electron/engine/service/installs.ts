// One install at a time: starts a kept plan, cancels it, retries the last one; publishes its events to
// the hub. It never sees the answers: the engine keeps them with the plan, parsed once; only the
// secrets to scrub reach the hub.
import type { EventHub } from './hub.ts';
import { HubRun } from './hub-run.ts';
import type { EnginePort } from './port.ts';
import type { UiProblem } from '../../shared/service.ts';
import type { Refusal } from '../../shared/facts.ts';

export class InstallBusyError extends Error {
  constructor() {
    super('An install is already running');
  }
}

export type StartResult =
  | { started: true; planId: string }
  | { started: false; problems: UiProblem[]; refusals: { disk: string; refusals: Refusal[] }[] };

export class InstallController {
  private run: HubRun;
  private last: string | null = null;

  constructor(
    private engine: EnginePort,
    private hub: EventHub,
    /** Something else holds the disks now (a repair runs): no install starts. */
    private blocked: () => boolean = () => false,
    /** After a successful install (the wizard's session, passwords included, is then forgotten). */
    private succeeded: () => void = () => {},
  ) {
    this.run = new HubRun(hub);
  }

  get busy(): boolean {
    return this.run.busy;
  }

  /** Settles when the current install ends (tests and shutdown wait on it). */
  get current(): Promise<void> {
    return this.run.current;
  }

  /**
   * Runs the kept plan `planId` in the background. Throws, before anything is written, when the plan is
   * unknown or its target is no longer the disk it was made for (the engine's coded errors).
   */
  async start(planId: string): Promise<StartResult> {
    if (this.busy || this.blocked()) throw new InstallBusyError();
    const { secrets } = await this.run.confirming(() => this.engine.confirm(planId));
    if (this.busy) throw new InstallBusyError();
    this.last = planId;
    this.run.launch(secrets, (opts) => this.engine.install(planId, opts), (r) => {
      if (r.ok) this.succeeded();
    });
    return { started: true, planId };
  }

  cancel(): boolean {
    return this.run.cancel();
  }

  /**
   * Runs the last plan's answers again, only after a failure or cancel (never re-erases a finished
   * install). Planned afresh: the failed attempt has already changed the disk.
   */
  async retry(): Promise<StartResult> {
    if (this.hub.snapshot().phase === 'done') return { started: false, problems: [{ path: '', code: 'app:problem.already-done', message: 'The install is already done' }], refusals: [] };
    if (this.last === null) return { started: false, problems: [{ path: '', code: 'app:problem.no-previous-install', message: 'Nothing to retry' }], refusals: [] };
    if (this.busy) throw new InstallBusyError();
    const planned = await this.engine.replan(this.last);
    if (!planned.ok) return { started: false, problems: planned.problems, refusals: planned.refusals };
    return this.start(planned.planId);
  }
}
