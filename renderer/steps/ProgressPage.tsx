import { useEffect, useRef } from 'react';
import { Label, ProgressBar } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { formatDuration, formatRate } from '../store/format.ts';
import { useStore } from '../store/index.ts';

const MARK: Record<string, string> = { pending: '○', running: '◐', done: '✓', failed: '✗' };

export function ProgressPage() {
  const { t, i18n } = useTranslation();
  const install = useStore((s) => s.install);
  const log = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [install.log.length]);
  const p = install.progress;
  return (
    <PageFrame id="progress" title={t('progress.title')}>
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
            <span aria-hidden="true" className="mark">{MARK[st.state]}</span> {t(st.label, { defaultValue: st.id })}
            <span className="sr-only"> ({t(`progress.state.${st.state}`)})</span>
          </li>
        ))}
      </ol>
      <details className="log">
        <summary>{t('progress.log')}</summary>
        <pre ref={log} tabIndex={0} aria-label={t('progress.log')}>{install.log.join('\n')}</pre>
      </details>
    </PageFrame>
  );
}
