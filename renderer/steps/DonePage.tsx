// The install is done: where its log is on the installed system, and before restarting, remove the
// installation medium (else the machine may start the Live system again).
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { useStore } from '../store/index.ts';

/** Where the log is once the installed system runs: the plan's save-log path without the target root. */
export function installedLogPath(plan: { targetRoot: string; steps: { actions: { kind: string; path?: string }[] }[] } | null): string | null {
  const save = plan?.steps.flatMap((s) => s.actions).find((a) => a.kind === 'save-log');
  if (!plan || !save?.path) return null;
  return save.path.startsWith(`${plan.targetRoot}/`) ? save.path.slice(plan.targetRoot.length) : save.path;
}

export function DonePage({ rebootFn }: { rebootFn: () => Promise<{ rebooting: boolean }> }) {
  const { t } = useTranslation();
  const plan = useStore((s) => s.install.plan);
  const logPath = installedLogPath(plan);
  const [asking, setAsking] = useState(false);
  const [note, setNote] = useState('');
  const restart = async () => setNote((await rebootFn()).rebooting ? t('done.rebooting') : t('done.rebootUnavailable'));
  return (
    <PageFrame
      id="done"
      title={t('done.title')}
      footer={
        asking ? (
          <div className="confirm-cancel" role="alertdialog" aria-labelledby="remove-q">
            <span id="remove-q">{t('done.removePrompt')}</span>
            <Button className="button secondary" onPress={() => setAsking(false)}>{t('nav.back')}</Button>
            <Button className="button primary" autoFocus onPress={() => void restart()}>{t('done.removedRestart')}</Button>
          </div>
        ) : (
          <>
            <Button className="button secondary" onPress={() => setNote(t('done.staying'))}>{t('done.stay')}</Button>
            <Button className="button primary" onPress={() => setAsking(true)}>{t('done.restart')}</Button>
          </>
        )
      }
    >
      <p>{t('done.body')}</p>
      <p className="callout" data-testid="remove-medium">{t('done.removeMedium')}</p>
      {logPath && <p>{t('done.logAt', { path: logPath })}</p>}
      {note && <p role="status">{note}</p>}
    </PageFrame>
  );
}
