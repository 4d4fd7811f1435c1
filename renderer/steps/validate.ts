// Checks a page's fields with the engine's own validation before moving on.
import type { UiProblem } from '../../electron/api.ts';
import { buildAnswers, pageOfPath } from '../store/derive.ts';
import { wizardFields, type Store } from '../store/index.ts';

export type ValidateFn = (answers: Record<string, unknown>) => Promise<UiProblem[]>;

/** Problems that belong to `page`; later pages' fields are not judged yet. */
export async function problemsFor(page: 'variant' | 'disk' | 'user' | 'region', s: Store, validate: ValidateFn): Promise<UiProblem[]> {
  const answers = buildAnswers(wizardFields(s), true) as unknown as Record<string, unknown>;
  const all = await validate(answers);
  return all.filter((p) => pageOfPath(p.path) === page);
}
