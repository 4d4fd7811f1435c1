// The install failed or was cancelled: what went wrong first, large and in the reader's language; the
// program's own output and the log below it; then retry, another disk, or save the log.
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { saveFile } from '../components/save.ts';
import { useStore } from '../store/index.ts';
import { stepLabel } from '../components/step-label.ts';

export function FailedPage({ retryFn }: { retryFn: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const install = useStore((s) => s.install);
  const go = useStore((s) => s.go);
  const cancelled = install.phase === 'cancelled';
  const step = install.steps.find((st) => st.state === 'failed') ?? install.steps.find((st) => st.id === install.error?.step);
  return (
    <PageFrame
      id="failed"
      title={cancelled ? t('failed.cancelledTitle') : t('failed.title')}
      footer={
        <>
          <Button className="button secondary" onPress={() => saveFile('livekit-installer.log', install.log.join('\n') + '\n', 'text/plain')}>
            {t('failed.saveLog')}
          </Button>
          <Button className="button secondary" onPress={() => go('disk')}>{t('failed.change')}</Button>
          <Button className="button primary" onPress={() => void retryFn()}>{t('failed.retry')}</Button>
        </>
      }
    >
      <div role="alert" className="failure" data-testid="failure">
        {cancelled ? (
          <p className="failure-main" data-testid="failed-error">{t('failed.cancelledBody')}</p>
        ) : (
          <>
            {install.error && <p className="failure-main" data-testid="failed-error">{errorText(t, install.error)}</p>}
            {step && <p data-testid="failed-step">{t('failed.step', { step: t(stepLabel(step.label, 'pending'), { defaultValue: step.id }) })}</p>}
          </>
        )}
        <p>{t('failed.hint')}</p>
      </div>
      {!cancelled && install.error?.stderrTail && (
        <>
          <p>{t('failed.output')}</p>
          <pre className="error-box" data-testid="failed-output" lang="en">{install.error.stderrTail}</pre>
        </>
      )}
      {install.logPath && <p>{t('failed.logAt', { path: install.logPath })}</p>}
    </PageFrame>
  );
}
