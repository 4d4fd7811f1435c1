// What the engine warns of before an install (little memory, a laptop on its battery): said, never a refusal.
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../store/format.ts';
import { useStore } from '../store/index.ts';

import type { MachineWarning } from '../../electron/api.ts';

const NONE: MachineWarning[] = [];

export function Warnings() {
  const { t, i18n } = useTranslation();
  const warnings = useStore((s) => s.facts?.warnings ?? NONE);
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" aria-label={t('warning.title')}>
      {warnings.map((w) => {
        const p = w.params ?? {};
        const sizes = typeof p.ramBytes === 'number' && typeof p.minBytes === 'number' ? { ram: formatBytes(p.ramBytes, i18n.language), min: formatBytes(p.minBytes, i18n.language) } : {};
        return (
          <li key={w.code} data-warning={w.code}>
            {t(`warning.${w.code}`, { ...p, ...sizes })}
          </li>
        );
      })}
    </ul>
  );
}
