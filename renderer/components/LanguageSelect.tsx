// The header's language switch: changes every string live, on any page.
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, NATIVE_NAMES } from '../i18n.ts';
import { useStore } from '../store/index.ts';


export function LanguageSelect() {
  const { t } = useTranslation();
  const language = useStore((s) => s.language);
  const setLanguage = useStore((s) => s.setLanguage);
  return (
    <Select className="lang-select" selectedKey={language} onSelectionChange={(k) => k !== null && setLanguage(String(k))}>
      <Label className="sr-only">{t('header.language')}</Label>
      <Button className="button secondary">
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      <Popover>
        <ListBox className="listbox">
          {LANGUAGES.map((l) => (
            <ListBoxItem key={l} id={l} className="listbox-item" lang={l}>
              {NATIVE_NAMES[l]}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}
