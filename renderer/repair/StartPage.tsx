// The first page: install LiveKit, or repair a system already installed on this computer.
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { useRepair } from '../store/repair.ts';
import './repair.css';

export function StartPage() {
  const { t } = useTranslation();
  const choose = useRepair((s) => s.choose);
  return (
    <PageFrame id="start" title={t('repair:start.title')}>
      <div className="cards start-choices">
        <Button className="card start-card" onPress={() => choose('install')}>
          <span className="card-title">{t('repair:start.install')}</span>
          <span className="card-desc">{t('repair:start.installDesc')}</span>
        </Button>
        <Button className="card start-card" onPress={() => choose('repair')}>
          <span className="card-title">{t('repair:start.repair')}</span>
          <span className="card-desc">{t('repair:start.repairDesc')}</span>
        </Button>
      </div>
    </PageFrame>
  );
}
