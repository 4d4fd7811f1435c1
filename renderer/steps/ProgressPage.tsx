// The install under way: overall progress, the steps (done ones said as done, in the past), the log in
// view and expandable, and Cancel with a confirmation (the engine stops, releases everything, and the
// Failed page says the install was cancelled).
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { OverallProgress, StepList } from '../components/RunProgress.tsx';
import { formatDuration, formatRate } from '../store/format.ts';
import { useStore } from '../store/index.ts';


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
      <OverallProgress percent={install.percent} />
      <p className="rate" aria-live="off">
        {p && p.rate > 0 ? t('progress.speed', { rate: formatRate(p.rate, i18n.language) }) : t('progress.speedUnknown')}
        {' · '}
        {p && p.eta !== null ? t('progress.left', { time: formatDuration(p.eta, i18n.language) }) : t('progress.leftUnknown')}
      </p>
      <StepList steps={install.steps} />
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
