// The installed systems found on this computer's disks, and every other volume with why it is not
// offered (the Live medium, locked, Windows, in use, unknown).
import { Button, Label, Radio, RadioGroup, Text } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { UiSystem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { formatBytes } from '../store/format.ts';
import { useRepair } from '../store/repair.ts';

function SystemCard({ s }: { s: UiSystem }) {
  const { t, i18n } = useTranslation();
  return (
    <Radio value={s.id} className="card system-card" isDisabled={s.refusals.length > 0} data-system={s.id}>
      <span className="card-title">{s.name}</span>
      <Text slot="description" className="card-desc">
        {t('repair:systems.onDisk', { disk: s.diskLabel ? `${s.diskLabel} (${s.disk})` : s.disk, size: formatBytes(s.diskBytes, i18n.language) })}
      </Text>
      <span className="card-desc">{t('repair:systems.root', { device: s.root.device, fstype: s.root.fstype + (s.root.subvol ? ` @${s.root.subvol}` : '') })}</span>
      <span className="card-desc">{t(`repair:systems.firmware.${s.firmware}`)}</span>
      <span className="card-desc">{s.users.length ? t('repair:systems.users', { users: s.users.join(', ') }) : t('repair:systems.noUsers')}</span>
      {s.problems.length > 0 && (
        <ul className="system-problems">
          {s.problems.map((p, i) => (
            <li key={`${p.code}-${i}`}>{t(`cli:systems.problem.${p.code}`, { ...p.params, defaultValue: p.code })}</li>
          ))}
        </ul>
      )}
      {s.refusals.length > 0 && (
        <span className="refusals">{t('repair:systems.notNow', { reasons: s.refusals.map((r) => t(`plan:refusal.${r.code}`, { ...r.params, defaultValue: r.code })).join(' · ') })}</span>
      )}
    </Radio>
  );
}

export function SystemsPage({ reload }: { reload: () => void }) {
  const { t } = useTranslation();
  const r = useRepair();
  const list = r.systems;
  const chosen = list?.systems.find((s) => s.id === r.system && s.refusals.length === 0);
  return (
    <PageFrame id="systems" title={t('repair:systems.title')} onBack={() => r.choose('start')} onNext={() => r.go('repairs')} nextDisabled={!chosen}
      footer={<Button className="button secondary" onPress={reload}>{t('repair:systems.reload')}</Button>}>
      {r.systemsError && <p role="alert" className="problems">{t('repair:systems.error', { error: r.systemsError })}</p>}
      {!list && !r.systemsError && <p role="status">{t('repair:systems.loading')}</p>}
      {list && list.systems.length === 0 && <p>{t('repair:systems.none')}</p>}
      {list && list.systems.length > 0 && (
        <RadioGroup className="cards" value={chosen ? r.system : null} onChange={r.setSystem}>
          <Label className="group-label">{t('repair:systems.label')}</Label>
          {list.systems.map((s) => (
            <SystemCard key={s.id} s={s} />
          ))}
        </RadioGroup>
      )}
      {list && list.others.length > 0 && (
        <section aria-labelledby="others-title">
          <h2 id="others-title">{t('repair:systems.others')}</h2>
          <ul className="others">
            {list.others.map((o) => (
              <li key={o.device} data-kind={o.kind}>
                <code>{o.device}</code> {t(`cli:systems.other.${o.kind}`, { detail: o.detail ?? '', defaultValue: o.kind })}
                {o.fstype || o.label ? ` (${[o.fstype, o.label].filter(Boolean).join(' ')})` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
    </PageFrame>
  );
}
