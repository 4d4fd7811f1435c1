// The install under way: overall progress, the steps (done ones said as done, in the past), the log in
// view and expandable, and Cancel with a confirmation (the engine stops, releases everything, and the
// Failed page says the install was cancelled).
import { useEffect, useRef, useState } from 'react';
import { Button, Label, ProgressBar } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { formatDuration, formatRate } from '../store/format.ts';
import { useStore } from '../store/index.ts';
import { stepLabel } from '../components/step-label.ts';

const MARK: Record<string, string> = { pending: '○', running: '◐', done: '✓', failed: '✗' };

export function ProgressPage({ cancelFn }: { cancelFn: () => Promise<{ cancelled: boolean }> }) {
  const { t, i18n } = useTranslation();
  const install = useStore((s) => s.install);
  const log = useRef<HTMLPreElement>(null);
  const [logOpen, setLogOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [install.log.length, logOpen]);
  const p = install.progress;
  const cancel = async () => {
    setCancelling(true);
    await cancelFn().catch(() => undefined);
  };
  return (
    <PageFrame
      id="progress"
      title={t('progress.title')}
      footer={
        asking ? (
          <div className="confirm-cancel" role="alertdialog" aria-labelledby="cancel-q">
            <span id="cancel-q">{t('progress.cancelQuestion')}</span>
            <Button className="button secondary" autoFocus onPress={() => setAsking(false)} isDisabled={cancelling}>
              {t('progress.keepGoing')}
            </Button>
            <Button className="button danger" onPress={() => void cancel()} isDisabled={cancelling}>
              {cancelling ? t('progress.cancelling') : t('progress.cancelConfirm')}
            </Button>
          </div>
        ) : (
          <Button className="button secondary" onPress={() => setAsking(true)}>
            {t('progress.cancel')}
          </Button>
        )
      }
    >
      <ProgressBar className="progress" value={install.percent} aria-valuetext={`${Math.floor(install.percent)}%`}>
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
      <p className="rate" aria-live="off">
        {p && p.rate > 0 ? t('progress.speed', { rate: formatRate(p.rate, i18n.language) }) : t('progress.speedUnknown')}
        {' · '}
        {p && p.eta !== null ? t('progress.left', { time: formatDuration(p.eta, i18n.language) }) : t('progress.leftUnknown')}
      </p>
      <ol className="steps" aria-label={t('progress.steps')}>
        {install.steps.map((st) => (
          <li key={st.id} data-state={st.state} className={`step ${st.state}`}>
            <span aria-hidden="true" className="mark">{MARK[st.state]}</span> {t(stepLabel(st.label, st.state), { defaultValue: st.id })}
            <span className="sr-only"> ({t(`progress.state.${st.state}`)})</span>
          </li>
        ))}
      </ol>
      <section className={`log ${logOpen ? 'open' : ''}`} aria-labelledby="log-title">
        <div className="log-head">
          <h2 id="log-title">{t('progress.log')}</h2>
          <Button className="button secondary small" onPress={() => setLogOpen(!logOpen)} aria-expanded={logOpen}>
            {logOpen ? t('progress.logLess') : t('progress.logMore')}
          </Button>
        </div>
        <pre ref={log} tabIndex={0} aria-label={t('progress.log')} lang="en">{install.log.join('\n')}</pre>
      </section>
    </PageFrame>
  );
}
