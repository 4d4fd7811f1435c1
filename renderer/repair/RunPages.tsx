// A repair under way (the plan's steps with their states, overall progress, the log) and its result.
import { useEffect } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { OverallProgress, StepList } from '../components/RunProgress.tsx';
import { useRepair } from '../store/repair.ts';
import type { RescueApi } from './api.ts';
import { stepLabel } from '../components/step-label.ts';

function Steps() {
  const r = useRepair();
  const planned = r.outcome?.ok ? r.outcome.plan.steps : [];
  const steps = planned.length ? planned.map((p) => r.run.steps.find((s) => s.id === p.id) ?? { id: p.id, label: p.label, state: 'pending' as const }) : r.run.steps;
  return <StepList steps={steps} />;
}

export function RepairProgressPage({ api }: { api: RescueApi }) {
  const { t } = useTranslation();
  const r = useRepair();
  const name = r.systems?.systems.find((s) => s.id === r.system)?.name ?? r.system;
  const ended = r.run.phase === 'done' || r.run.phase === 'failed' || r.run.phase === 'cancelled';
  // A short repair may have ended before this page opened.
  useEffect(() => {
    if (ended) r.go('result');
  }, [ended, r]);
  return (
    <PageFrame id="repair-progress" title={t('repair:progress.title', { name })}
      footer={<Button className="button secondary" onPress={() => void api.cancel()}>{t('repair:progress.cancel')}</Button>}>
      <OverallProgress percent={r.run.percent} />
      <Steps />
    </PageFrame>
  );
}

export function RepairResultPage() {
  const { t } = useTranslation();
  const r = useRepair();
  const run = r.run;
  const name = r.systems?.systems.find((s) => s.id === r.system)?.name ?? r.system;
  const ok = run.phase === 'done';
  const title = ok ? t('repair:result.done') : run.phase === 'cancelled' ? t('repair:result.cancelled') : t('repair:result.failed');
  const failed = run.steps.find((s) => s.state === 'failed');
  return (
    <PageFrame id="repair-result" title={title} footer={<Button className="button primary" onPress={r.restart}>{t('repair:result.again')}</Button>}>
      {ok && <p data-testid="repair-done">{r.repair === 'password' ? t('repair:result.password', { user: r.user, name }) : t(`repair:result.body.${r.repair ?? 'boot'}`, { name })}</p>}
      {!ok && failed && <p>{t('failed.step', { step: t(stepLabel(failed.label, 'pending'), { defaultValue: failed.id }) })}</p>}
      {!ok && run.error && <p role="alert" className="problems">{errorText(t, run.error)}</p>}
      {!ok && <p>{t('repair:result.released')}</p>}
      <Steps />
      {run.logPath && <p className="card-desc">{t('repair:result.logAt', { path: run.logPath })}</p>}
      {run.log.length > 0 && (
        <details className="log">
          <summary>{t('progress.log')}</summary>
          <pre tabIndex={0} aria-label={t('progress.log')}>{run.log.join('\n')}</pre>
        </details>
      )}
    </PageFrame>
  );
}
