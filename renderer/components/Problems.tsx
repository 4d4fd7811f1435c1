// The engine's validation problems, translated from their codes (namespace `validation`).
import { useTranslation } from 'react-i18next';
import type { UiProblem } from '../../electron/api.ts';

/** Validation codes are keys in `validation`; the planner's carry their namespace (`plan:problem.*`). */
export function problemKey(code: string): string {
  return code.includes(':') ? code : `validation:${code}`;
}

export function Problems({ problems }: { problems: UiProblem[] }) {
  const { t } = useTranslation();
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="problems">
      <ul>
        {problems.map((p, i) => (
          <li key={`${p.path}-${p.code}-${i}`} data-code={p.code}>
            {t(problemKey(p.code), { ...p.params, path: p.path, defaultValue: p.message })}
          </li>
        ))}
      </ul>
    </div>
  );
}
