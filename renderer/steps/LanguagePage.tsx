import { Label, Radio, RadioGroup } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { PageFrame } from '../components/PageFrame.tsx';
import { LANGUAGES, NATIVE_NAMES } from '../i18n.ts';
import { useStore } from '../store/index.ts';

export function LanguagePage() {
  const { t } = useTranslation();
  const language = useStore((s) => s.language);
  const setLanguage = useStore((s) => s.setLanguage);
  const go = useStore((s) => s.go);
  return (
    <PageFrame id="language" title={t('language.title')} onNext={() => go('variant')}>
      <RadioGroup className="choices" value={language} onChange={setLanguage}>
        <Label className="group-label">{t('language.label')}</Label>
        {LANGUAGES.map((l) => (
          <Radio key={l} value={l} className="choice" lang={l}>
            {NATIVE_NAMES[l]}
          </Radio>
        ))}
      </RadioGroup>
    </PageFrame>
  );
}
