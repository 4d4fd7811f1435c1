import { useState } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { useStore } from '../store/index.ts';

export function DonePage({ rebootFn }: { rebootFn: () => Promise<{ rebooting: boolean }> }) {
  const { t } = useTranslation();
  const logPath = useStore((s) => s.install.logPath);
  const [note, setNote] = useState('');
  return (
    <PageFrame
      id="done"
      title={t('done.title')}
      footer={
        <>
          <Button className="button secondary" onPress={() => setNote(t('done.staying'))}>{t('done.stay')}</Button>
          <Button className="button primary" onPress={async () => setNote((await rebootFn()).rebooting ? t('done.rebooting') : t('done.rebootUnavailable'))}>
            {t('done.restart')}
          </Button>
        </>
      }
    >
      <p>{t('done.body')}</p>
      {logPath && <p>{t('done.logAt', { path: logPath })}</p>}
      {note && <p role="status">{note}</p>}
    </PageFrame>
  );
}
