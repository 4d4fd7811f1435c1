import { useState } from 'react';
import { Label, Radio, RadioGroup, Text } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems } from '../components/Problems.tsx';
import { Warnings } from '../components/Warnings.tsx';
import { formatBytes } from '../store/format.ts';
import { useStore } from '../store/index.ts';
import { problemsFor, type ValidateFn } from './validate.ts';

export function VariantPage({ validate, skipLanguage }: { validate: ValidateFn; skipLanguage: boolean }) {
  const { t, i18n } = useTranslation();
  const facts = useStore((s) => s.facts);
  const variant = useStore((s) => s.variant);
  const setVariant = useStore((s) => s.setVariant);
  const go = useStore((s) => s.go);
  const [problems, setProblems] = useState<UiProblem[]>([]);
  const sysroots = (facts?.sysroots ?? []).filter((s) => s.installable);
  const next = async () => {
    const p = await problemsFor('variant', useStore.getState(), validate);
    setProblems(p);
    if (p.length === 0) go('disk');
  };
  return (
    <PageFrame id="variant" title={t('variant.title')} onBack={skipLanguage ? undefined : () => go('language')} onNext={next} nextDisabled={!variant}>
      <RadioGroup className="cards" value={variant || null} onChange={setVariant}>
        <Label className="group-label">{t('variant.label')}</Label>
        {sysroots.map((s) => (
          <Radio key={s.name} value={s.name} className="card" data-variant={s.name}>
            <span className="card-title">{s.title || s.name}</span>
            {s.recommended && <span className="badge">{t('variant.recommended')}</span>}
            <Text slot="description" className="card-desc">
              {s.description}
            </Text>
            <span className="card-size">{t('variant.size', { size: formatBytes(s.sizeBytes, i18n.language) })}</span>
          </Radio>
        ))}
      </RadioGroup>
      {sysroots.length === 0 && <p>{t('variant.none')}</p>}
      <Warnings />
      <Problems problems={problems} />
    </PageFrame>
  );
}
