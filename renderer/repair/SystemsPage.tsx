// The installed systems found on this computer's disks, the encrypted (LUKS) volumes locked, each with an
// Unlock that asks for its passphrase (masked), and every other volume with why it is not offered (the Live
// medium, Windows, in use, unknown). An unlocked system is listed as any other from then on.
import { useState, type FormEvent } from 'react';
import { Button, Input, Label, Radio, RadioGroup, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { errorText, type UiLocked, type UiSystem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { formatBytes } from '../store/format.ts';
import { useRepair } from '../store/repair.ts';
import { codedOf, type RescueApi } from './api.ts';

function SystemCard({ s }: { s: UiSystem }) {
  const { t, i18n } = useTranslation();
  return (
    <Radio value={s.id} className="card system-card" isDisabled={s.refusals.length > 0} data-system={s.id}>
      <span className="card-title">{s.name}</span>
      <Text slot="description" className="card-desc">
        {t('repair:systems.onDisk', { disk: s.diskLabel ? `${s.diskLabel} (${s.disk})` : s.disk, size: formatBytes(s.diskBytes, i18n.language) })}
      </Text>
      {s.encrypted && <span className="card-desc" data-testid="unlocked">{t('repair:systems.unlocked', { device: s.encrypted.device })}</span>}
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

function LockedCard({ l }: { l: UiLocked }) {
  const { t, i18n } = useTranslation();
  return (
    <Radio value={l.id} className="card system-card locked-card" isDisabled={l.refusals.length > 0} data-system={l.id} data-locked="true">
      <span className="card-title">{t('repair:systems.locked', { device: l.device })}</span>
      <Text slot="description" className="card-desc">
        {t('repair:systems.onDisk', { disk: l.diskLabel ? `${l.diskLabel} (${l.disk})` : l.disk, size: formatBytes(l.diskBytes, i18n.language) })}
      </Text>
      <span className="card-desc">{t('repair:systems.luksUuid', { uuid: l.luks.uuid || '-' })}</span>
      {l.refusals.length > 0 && (
        <span className="refusals">{t('repair:systems.notNow', { reasons: l.refusals.map((r) => t(`plan:refusal.${r.code}`, { ...r.params, defaultValue: r.code })).join(' · ') })}</span>
      )}
    </Radio>
  );
}

/** The passphrase of the chosen locked volume: sent once to the engine, which looks inside and forgets it. */
function UnlockForm({ api, l }: { api: RescueApi; l: UiLocked }) {
  const { t } = useTranslation();
  const r = useRepair();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!r.passphrase || busy) return;
    setBusy(true);
    setError('');
    const passphrase = r.passphrase;
    try {
      r.unlocked(await api.unlock(l.id, passphrase), passphrase);
    } catch (err) {
      const c = codedOf(err);
      setError(c ? t(`repair:error.${c.code}`, { ...c.params, defaultValue: errorText(t, { ...c, message: (err as Error).message }) }) : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    // noValidate, aria validation: a refused passphrase marks the field, and must not block the next try.
    <form className="unlock" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('repair:unlock.title', { device: l.device })}</h2>
      <p className="card-desc">{t('repair:unlock.desc')}</p>
      <TextField
        className="field"
        type="password"
        value={r.passphrase}
        onChange={(p) => {
          setError('');
          r.setPassphrase(p);
        }}
        isInvalid={!!error}
        validationBehavior="aria"
        isDisabled={busy}
      >
        <Label>{t('repair:unlock.passphrase')}</Label>
        <Input autoComplete="off" />
        <Text slot="description" role={error ? 'alert' : undefined}>{error || t('repair:unlock.help')}</Text>
      </TextField>
      <Button type="submit" className="button primary" isDisabled={!r.passphrase || busy}>
        {busy ? t('repair:unlock.busy') : t('repair:unlock.unlock')}
      </Button>
    </form>
  );
}

export function SystemsPage({ api, reload }: { api: RescueApi; reload: () => void }) {
  const { t } = useTranslation();
  const r = useRepair();
  const list = r.systems;
  const chosen = list?.systems.find((s) => s.id === r.system && s.refusals.length === 0);
  const chosenLocked = list?.locked.find((l) => l.id === r.system && l.refusals.length === 0);
  const any = !!list && list.systems.length + list.locked.length > 0;
  return (
    <PageFrame id="systems" title={t('repair:systems.title')} onBack={() => r.choose('start')} onNext={() => r.go('repairs')} nextDisabled={!chosen}
      footer={<Button className="button secondary" onPress={reload}>{t('repair:systems.reload')}</Button>}>
      {r.systemsError && <p role="alert" className="problems">{t('repair:systems.error', { error: r.systemsError })}</p>}
      {!list && !r.systemsError && <p role="status">{t('repair:systems.loading')}</p>}
      {list && !any && <p>{t('repair:systems.none')}</p>}
      {list && any && (
        <RadioGroup className="cards" value={chosen || chosenLocked ? r.system : null} onChange={r.setSystem}>
          <Label className="group-label">{t('repair:systems.label')}</Label>
          {list.systems.map((s) => (
            <SystemCard key={s.id} s={s} />
          ))}
          {list.locked.map((l) => (
            <LockedCard key={l.id} l={l} />
          ))}
        </RadioGroup>
      )}
      {chosenLocked && <UnlockForm key={chosenLocked.id} api={api} l={chosenLocked} />}
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
