// The plans the service has made, kept by id so that the plan the user confirmed is the plan that runs.
// Few and short-lived: the newest ones are kept, the oldest dropped.
import { randomUUID } from 'node:crypto';
import type { Prepared } from '../app/install.ts';
import { CodedError } from '../run/coded-error.ts';

export type KeptPlan = Extract<Prepared, { ok: true }>;

/** A plan id the service does not (or no longer) keep. */
export class PlanUnknownError extends CodedError {
  constructor(planId: string) {
    super('plan-unknown', {}, `No plan ${planId.slice(0, 12)} is kept (the service restarted or a newer plan replaced it)`);
    this.name = 'PlanUnknownError';
  }
}

export class PlanStore {
  private plans = new Map<string, KeptPlan>();
  constructor(private readonly max = 8) {}

  keep(p: KeptPlan): string {
    const id = randomUUID();
    this.plans.set(id, p);
    while (this.plans.size > this.max) this.plans.delete(this.plans.keys().next().value!);
    return id;
  }

  get(planId: string): KeptPlan {
    const p = this.plans.get(planId);
    if (!p) throw new PlanUnknownError(planId);
    return p;
  }
}
