// Time zone (a filtering combobox: type "Shangh", "上海" or "中国"), the hardware clock, and the keyboard layout
// written to the installed system. The locale suggests the zone and the layout until the person chooses.
import { useMemo, useState } from 'react';
import { Button, ComboBox, Input, Label, ListBox, ListBoxItem, Popover, Radio, RadioGroup, Select, SelectValue, Text } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { KEYBOARD_LAYOUTS, KEYBOARD_VARIANTS, type UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems, problemKey } from '../components/Problems.tsx';
import { useStore } from '../store/index.ts';
import { filterZones, zoneLabel, zonesFor } from '../store/zones.ts';
import { problemsFor, type ValidateFn } from './validate.ts';

function TimezoneField({ invalid }: { invalid?: string }) {
  const { t, i18n } = useTranslation();
  const zone = useStore((s) => s.user.timezone);
  const setTimezone = useStore((s) => s.setTimezone);
  const zones = useMemo(() => zonesFor(i18n.language), [i18n.language]);
  const [query, setQuery] = useState<string | null>(null);
  const shown = useMemo(() => filterZones(zones, query ?? '').slice(0, 200), [zones, query]);
  return (
    <ComboBox
      className="field"
      items={shown}
      selectedKey={zone}
      inputValue={query ?? zoneLabel(zone, i18n.language)}
      onInputChange={(v) => setQuery(v)}
      onSelectionChange={(k) => {
        if (k !== null) setTimezone(String(k));
        setQuery(null);
      }}
      onOpenChange={(open) => !open && setQuery(null)}
      menuTrigger="input"
      allowsEmptyCollection
      isInvalid={!!invalid}
    >
      <Label>{t('region.timezone')}</Label>
      <div className="combo">
        <Input onFocus={(e) => e.currentTarget.select()} />
        <Button className="button secondary" aria-label={t('region.timezoneOpen')}>▾</Button>
      </div>
      <Text slot="description">{invalid ?? t('region.timezoneHint')}</Text>
      <Popover className="popover" placement="bottom start">
        <ListBox className="listbox tz" renderEmptyState={() => <p className="empty">{t('region.noZone')}</p>}>
          {(z: { id: string; label: string }) => (
            <ListBoxItem id={z.id} className="listbox-item" textValue={z.label}>
              {z.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </ComboBox>
  );
}

function Choice({ label, value, onChange, options }: { label: string; value: string; onChange: (v: string) => void; options: { id: string; text: string }[] }) {
  return (
    <Select className="field" selectedKey={value} onSelectionChange={(k) => k !== null && onChange(String(k))}>
      <Label>{label}</Label>
      <Button className="button secondary select-button">
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      <Popover className="popover">
        <ListBox className="listbox" items={options}>
          {(o) => (
            <ListBoxItem id={o.id} className="listbox-item" textValue={o.text}>
              {o.text}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function RegionPage({ validate }: { validate: ValidateFn }) {
  const { t } = useTranslation();
  const rtc = useStore((s) => s.user.rtc);
  const keyboard = useStore((s) => s.keyboard);
  const setUser = useStore((s) => s.setUser);
  const setKeyboard = useStore((s) => s.setKeyboard);
  const go = useStore((s) => s.go);
  const [problems, setProblems] = useState<UiProblem[]>([]);
  const errorOf = (path: string) => problems.filter((p) => p.path === path).map((p) => t(problemKey(p.code), { ...p.params, path: p.path, defaultValue: p.message }))[0];
  const layouts = KEYBOARD_LAYOUTS.map((l) => ({ id: l, text: `${t(`region.layouts.${l}`)} (${l})` })).sort((a, b) => a.text.localeCompare(b.text));
  const variants = [{ id: '', text: t('region.variantDefault') }, ...(KEYBOARD_VARIANTS[keyboard.layout] ?? []).map((v) => ({ id: v, text: t(`region.variants.${v}`, { defaultValue: v }) }))];
  const next = async () => {
    const p = await problemsFor('region', useStore.getState(), validate);
    setProblems(p);
    if (p.length === 0) go('summary');
  };
  return (
    <PageFrame id="region" title={t('region.title')} onBack={() => go('user')} onNext={next}>
      <div className="fields two">
        <TimezoneField invalid={errorOf('timezone')} />
        <RadioGroup className="choices" value={rtc} onChange={(v) => setUser({ rtc: v as 'utc' | 'local' })}>
          <Label className="group-label">{t('region.rtc')}</Label>
          <Radio value="utc" className="choice">{t('region.rtcUtc')}</Radio>
          <Radio value="local" className="choice">{t('region.rtcLocal')}</Radio>
        </RadioGroup>
      </div>
      <h2>{t('region.keyboard')}</h2>
      <div className="fields two">
        <Choice label={t('region.layout')} value={keyboard.layout} onChange={(layout) => setKeyboard({ layout })} options={layouts} />
        <Choice label={t('region.variant')} value={keyboard.variant} onChange={(variant) => setKeyboard({ variant })} options={variants} />
      </div>
      <p className="note">{t('region.keyboardHint')}</p>
      <Problems problems={problems.filter((p) => p.path !== 'timezone')} />
    </PageFrame>
  );
}
