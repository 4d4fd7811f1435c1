// The repair's plan before it runs: each step and its exact commands (fsck: the read-only check first),
// what cannot be done and why; a confirmation, then the repair runs exactly this plan. An unlocked system's
// passphrase goes with the planning (the engine looks inside again) and with the repair, then is forgotten.
import { useEffect, useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { errorText, repairActionText } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { useRepair } from '../store/repair.ts';
import { codedOf, type RescueApi } from './api.ts';
import { stepLabel } from '../components/step-label.ts';

export function PlanPage({ api }: { api: RescueApi }) {
  const { t } = useTranslation();
  const r = useRepair();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const sys = r.systems?.systems.find((s) => s.id === r.system);
  const passphrase = r.passphrases[r.system];
  const say = (e: unknown) => {
    const c = codedOf(e);
    if (!c) return (e as Error).message;
    // A namespaced code is a key of its own (`validation:user.password-chars`: the install's rule refused it).
    const key = c.code.includes(':') ? c.code : `repair:error.${c.code}`;
    return t(key, { ...c.params, defaultValue: errorText(t, { ...c, message: (e as Error).message }) });
  };
  useEffect(() => {
    let live = true;
    if (!r.repair) return;
    void api
      .planRepair({ system: r.system, repair: r.repair, ...(r.repair === 'password' ? { user: r.user } : {}), ...(passphrase !== undefined ? { passphrase } : {}) })
      .then((o) => live && r.setOutcome(o))
      .catch((e: unknown) => live && setError(say(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const o = r.outcome;
  const plan = o?.ok ? o.plan : null;
  const start = async () => {
    if (!o?.ok) return;
    setBusy(true);
    try {
      await api.repair(o.planId, r.repair === 'password' ? r.password : undefined, passphrase);
      // The password and the passphrase have gone to the engine: this page forgets them.
      r.setFields({ password: '', confirm: '' });
      r.forgetPassphrase(r.system);
      r.go('progress');
    } catch (e) {
      setError(say(e));
      r.setOutcome(null);
    } finally {
      setBusy(false);
    }
  };
  const nothing = o && !o.ok && o.problems.length > 0 && o.problems.every((p) => p.code === 'nothing-to-fix');
  return (
    <PageFrame
      id="repair-plan"
      title={t('repair:plan.title', { repair: t(`repair:repairs.kind.${r.repair ?? 'boot'}.title`), name: sys?.name ?? r.system })}
      focusHeading
      footer={
        <>
          <Button className="button secondary" onPress={() => r.go('repairs')}>
            {t('nav.back')}
          </Button>
          <Button className="button danger" isDisabled={!plan || !r.confirmed || busy} onPress={() => void start()}>
            {t('repair:plan.run')}
          </Button>
        </>
      }
    >
      {!o && !error && <p role="status">{t('repair:plan.planning')}</p>}
      {error && <p role="alert" className="problems">{error}</p>}
      {o?.fsck && (
        <section aria-labelledby="fsck-title">
          <h2 id="fsck-title">{t('repair:plan.fsckHeader')}</h2>
          <ul className="fsck">
            {o.fsck.map((f) => (
              <li key={f.device} data-clean={f.clean}>
                {t(f.clean ? 'repair:plan.fsckClean' : 'repair:plan.fsckUnclean', { device: f.device, mountpoint: f.mountpoint, fstype: f.fstype, code: f.exitCode })}
                {!f.clean && <pre className="commands">{f.output.trimEnd().split('\n').slice(-12).join('\n')}</pre>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {o && !o.ok && (
        <div role={nothing ? 'status' : 'alert'} className={nothing ? 'note ok' : 'problems'}>
          <p>{nothing ? t('repair:plan.nothing') : t('repair:plan.cannot')}</p>
          <ul>
            {o.problems.filter((p) => p.code !== 'nothing-to-fix').map((p) => (
              <li key={p.code}>{t(`repair:problem.${p.code}`, { ...p.params, defaultValue: p.code })}</li>
            ))}
            {o.refusals.map((x) => (
              <li key={x.code}>{t(`plan:refusal.${x.code}`, { ...x.params, defaultValue: x.code })}</li>
            ))}
          </ul>
        </div>
      )}
      {plan && (
        <>
          <p>{t('repair:plan.intro', { name: plan.system.name, disk: plan.system.disk, root: plan.system.root })}</p>
          {plan.skipped.map((s) => (
            <p key={s.mountpoint} className="card-desc">{t(`cli:repair.skipped.${s.reason}`, { mountpoint: s.mountpoint })}</p>
          ))}
          <ol className="plan-steps repair-steps">
            {plan.steps.map((st) => (
              <li key={st.id}>
                {t(stepLabel(st.label, 'pending'), { defaultValue: st.id })}
                <pre className="commands">{st.actions.map(repairActionText).join('\n')}</pre>
              </li>
            ))}
          </ol>
          {r.repair === 'password' && <p className="card-desc">{t('repair:plan.secret', { user: r.user })}</p>}
          {sys?.encrypted && <p className="card-desc">{t('repair:plan.passphrase', { device: sys.encrypted.device })}</p>}
          <Checkbox className="confirm" isSelected={r.confirmed} onChange={(confirmed) => r.setFields({ confirmed })}>
            <span className="box" aria-hidden="true" />
            {t('repair:plan.understand', { name: plan.system.name, disk: plan.system.disk })}
          </Checkbox>
        </>
      )}
    </PageFrame>
  );
}
