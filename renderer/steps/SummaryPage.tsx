import { useEffect, useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { errorText, type PlanOutcome, type UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems } from '../components/Problems.tsx';
import { NATIVE_NAMES } from '../i18n.ts';
import { buildAnswers } from '../store/derive.ts';
import { formatBytes } from '../store/format.ts';
import { TransportIcon, transportOf } from '../components/DiskFacts.tsx';
import { destroys, effectLine } from '../../electron/shared/effects-text.ts';
import { Warnings } from '../components/Warnings.tsx';
import { zoneLabel } from '../store/zones.ts';
import { stepLabel } from '../components/step-label.ts';
import { useStore, wizardFields } from '../store/index.ts';

export interface SummaryProps {
  planFn: (answers: Record<string, unknown>) => Promise<PlanOutcome>;
  installFn: (planId: string) => Promise<{ started: boolean; problems?: UiProblem[] }>;
}

export function SummaryPage({ planFn, installFn }: SummaryProps) {
  const { t, i18n } = useTranslation();
  const s = useStore();
  const [busy, setBusy] = useState(false);
  const [refusalText, setRefusalText] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void planFn(buildAnswers(wizardFields(useStore.getState()), true) as unknown as Record<string, unknown>).then((r) => {
      if (!live) return;
      if (r.ok) s.setPlan(r.plan, [], r.planId);
      else {
        s.setPlan(null, r.problems);
        setRefusalText(r.refusals.flatMap((x) => x.refusals.map((ref) => `${x.disk}: ${t(`plan:refusal.${ref.code}`, { ...ref.params, defaultValue: ref.code })}`)));
      }
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const plan = s.plan;
  const sysroot = s.facts?.sysroots.find((x) => x.name === s.variant);
  const erased = plan?.erase ? `${plan.erase.model ? `${plan.erase.model} ` : ''}${plan.erase.path} (${formatBytes(plan.erase.sizeBytes, i18n.language)})` : '';
  const erasedDisk = plan?.erase ? s.facts?.disks.find((c) => c.disk.path === plan.erase!.path)?.disk : undefined;
  const layoutName = plan ? t(`region.layouts.${plan.answers.keyboard?.layout ?? 'us'}`, { defaultValue: plan.answers.keyboard?.layout ?? '' }) : '';
  const install = async () => {
    const planId = useStore.getState().planId;
    if (!planId) return;
    setBusy(true);
    try {
      const r = await installFn(planId);
      if (!r.started) s.setPlan(null, r.problems ?? []);
    } catch (e) {
      // A refusal before anything was written (the target changed, the plan is gone): said in the
      // user's language from the error's code; the plan shown is no longer the one to run.
      const coded = (e as { data?: { coded?: { code: string; params: Record<string, string | number> } | null } }).data?.coded;
      s.setPlan(null, []);
      setRefusalText([coded ? errorText(t, { ...coded, message: (e as Error).message }) : (e as Error).message]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <PageFrame
      id="summary"
      title={t('summary.title')}
      focusHeading={false}
      footer={
        <>
          <Button className="button secondary" autoFocus onPress={() => s.go('region')}>
            {t('summary.cancel')}
          </Button>
          <Button className="button danger" isDisabled={!plan || !s.confirmed || busy} onPress={install}>
            {t('summary.install')}
          </Button>
        </>
      }
    >
      {!plan && s.problems.length === 0 && refusalText.length === 0 && <p>{t('summary.planning')}</p>}
      <Problems problems={s.problems} />
      {refusalText.length > 0 && (
        <div role="alert" className="problems">
          <ul>{refusalText.map((r) => <li key={r}>{r}</li>)}</ul>
        </div>
      )}
      {plan && (
        <>
          <dl className="summary">
            {plan.erase ? (
              <>
                <dt>{t('summary.erase')}</dt>
                <dd className="erase-disk" data-testid="erase">
                  <span className="warning">
                    {erasedDisk && <TransportIcon kind={transportOf(erasedDisk)} />} {erased}
                  </span>
                </dd>
              </>
            ) : (
              <>
                <dt>{t('summary.intoPartitions')}</dt>
                <dd>{plan.partitions.map((p) => p.device).filter(Boolean).join(', ')}</dd>
              </>
            )}
            <dt>{t('plan:effectsTitle')}</dt>
            <dd>
              <ul className="effects" data-testid="effects">
                {plan.effects.map((e, i) => (
                  // What loses data is set apart (red, and said so to a screen reader), in the plan's own order.
                  <li key={i} className={destroys(e) ? 'effect destroys' : 'effect'}>
                    {destroys(e) && <span className="sr-only">{t('summary.destroys')} </span>}
                    {effectLine(t, e, (b) => formatBytes(b, i18n.language))}
                  </li>
                ))}
              </ul>
            </dd>
            <dt>{t('summary.encryption')}</dt>
            <dd data-testid="summary-encryption">{plan.answers.encryption === 'luks2' ? t('summary.encryptionLuks2') : t('summary.encryptionNone')}</dd>
            <dt>{t('summary.variant')}</dt>
            <dd>{sysroot?.title ?? plan.variant.name}</dd>
            <dt>{t('summary.language')}</dt>
            <dd>{NATIVE_NAMES[s.language] ?? s.language} ({plan.locale})</dd>
            <dt>{t('summary.user')}</dt>
            <dd>
              {plan.answers.user.fullname ? `${plan.answers.user.fullname} (${plan.answers.user.name})` : plan.answers.user.name} · {plan.answers.hostname}
              <br />
              {[plan.answers.user.admin ? t('summary.admin') : t('summary.noAdmin'), plan.answers.user.autologin ? t('summary.autologin') : null, plan.answers.root === 'locked' ? t('summary.rootLocked') : t('summary.rootSet')].filter(Boolean).join(' · ')}
            </dd>
            <dt>{t('summary.timezone')}</dt>
            <dd data-testid="summary-zone">{zoneLabel(plan.answers.timezone, i18n.language)}</dd>
            <dt>{t('summary.rtc')}</dt>
            <dd data-testid="summary-rtc">{t(plan.answers.rtc === 'utc' ? 'region.rtcUtc' : 'region.rtcLocal')}</dd>
            <dt>{t('summary.keyboard')}</dt>
            <dd data-testid="summary-keyboard">
              {layoutName}
              {plan.answers.keyboard?.variant ? ` · ${t(`region.variants.${plan.answers.keyboard.variant}`, { defaultValue: plan.answers.keyboard.variant })}` : ''}
            </dd>
          </dl>
          <Warnings />
          <h2>{t('summary.steps')}</h2>
          <ol className="plan-steps">
            {plan.steps.map((st) => (
              <li key={st.id}>{t(stepLabel(st.label, 'pending'), { defaultValue: st.id })}</li>
            ))}
          </ol>
          <Checkbox className="confirm" isSelected={s.confirmed} onChange={s.setConfirmed}>
            <span className="box" aria-hidden="true" />
            {plan.erase ? t('summary.understandErase', { disk: erased }) : t('summary.understandFormat', { part: plan.partitions.find((p) => p.role === 'root')?.device ?? '' })}
          </Checkbox>
        </>
      )}
    </PageFrame>
  );
}
