// A run's progress as the install and the repair pages show it: the overall bar, and the steps, each
// marked and worded for its state (to come, running, done, failed).
import { Label, ProgressBar } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { InstallState } from '../../electron/api.ts';
import { stepLabel } from './step-label.ts';

const MARK: Record<string, string> = { pending: '○', running: '◐', done: '✓', failed: '✗' };

export function OverallProgress({ percent }: { percent: number }) {
  const { t } = useTranslation();
  return (
    <ProgressBar className="progress" value={percent} aria-valuetext={`${Math.floor(percent)}%`}>
      {({ percentage }) => (
        <>
          <Label>{t('progress.overall')}</Label>
          <span className="value">{Math.floor(percentage ?? 0)}%</span>
          <div className="bar">
            <div className="fill" style={{ width: `${percentage ?? 0}%` }} />
          </div>
        </>
      )}
    </ProgressBar>
  );
}

export function StepList({ steps }: { steps: InstallState['steps'] }) {
  const { t } = useTranslation();
  return (
    <ol className="steps" aria-label={t('progress.steps')}>
      {steps.map((st) => (
        <li key={st.id} data-state={st.state} className={`step ${st.state}`}>
          <span aria-hidden="true" className="mark">{MARK[st.state]}</span> {t(stepLabel(st.label, st.state), { defaultValue: st.id })}
          <span className="sr-only"> ({t(`progress.state.${st.state}`)})</span>
        </li>
      ))}
    </ol>
  );
}
