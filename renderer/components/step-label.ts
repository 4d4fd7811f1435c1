// A plan step's wording for its state, from one i18n key: `plan:step.copy` "Copying the system" while it
// runs, `plan:stepDone.copy` "System copied" once done, `plan:stepPlan.copy` "Copy the system" in a plan.
import type { StepState } from '../../electron/api.ts';

export function stepLabel(label: string, state: StepState): string {
  if (state === 'done') return label.replace('plan:step.', 'plan:stepDone.');
  if (state === 'pending') return label.replace('plan:step.', 'plan:stepPlan.');
  return label;
}
