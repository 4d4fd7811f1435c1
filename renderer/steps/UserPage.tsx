import { useMemo, useState } from 'react';
import { Button, ComboBox, Input, Label, ListBox, ListBoxItem, Popover, Radio, RadioGroup, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems, problemKey } from '../components/Problems.tsx';
import { passwordStrength } from '../store/derive.ts';
import { useStore } from '../store/index.ts';
import { problemsFor, type ValidateFn } from './validate.ts';

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.('timeZone') ?? [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

export function UserPage({ validate }: { validate: ValidateFn }) {
  const { t } = useTranslation();
  const user = useStore((s) => s.user);
  const s = useStore();
  const zones = useMemo(() => timeZones().map((z) => ({ id: z, name: z.replace(/_/g, ' ') })), []);
  const [problems, setProblems] = useState<UiProblem[]>([]);
  const [mismatch, setMismatch] = useState(false);
  const strength = passwordStrength(user.password);
  const errorOf = (path: string) => problems.filter((p) => p.path === path).map((p) => t(problemKey(p.code), { ...p.params, path: p.path, defaultValue: p.message }))[0];
  const next = async () => {
    const bad = user.password !== user.confirm;
    setMismatch(bad);
    const p = await problemsFor('user', useStore.getState(), validate);
    setProblems(p);
    if (p.length === 0 && !bad) s.go('summary');
  };
  return (
    <PageFrame id="user" title={t('user.title')} onBack={() => s.go('disk')} onNext={next}>
      <div className="fields two">
        <TextField className="field" value={user.fullname} onChange={s.setFullname} autoComplete="name">
          <Label>{t('user.fullname')}</Label>
          <Input />
        </TextField>
        <TextField className="field" value={user.username} onChange={s.setUsername} isInvalid={!!errorOf('user.name')} autoComplete="username">
          <Label>{t('user.username')}</Label>
          <Input />
          <Text slot="description">{errorOf('user.name') ?? t('user.usernameHint')}</Text>
        </TextField>
        <TextField className="field" type="password" value={user.password} onChange={(password) => s.setUser({ password })} isInvalid={!!errorOf('user.password')}>
          <Label>{t('user.password')}</Label>
          <Input />
          <Text slot="description" className={`strength ${strength}`} data-strength={strength}>
            {errorOf('user.password') ?? t(`user.strength.${strength}`)}
          </Text>
        </TextField>
        <TextField className="field" type="password" value={user.confirm} onChange={(confirm) => s.setUser({ confirm })} isInvalid={mismatch}>
          <Label>{t('user.confirm')}</Label>
          <Input />
          {mismatch && <Text slot="description" className="error">{t('user.mismatch')}</Text>}
        </TextField>
        <TextField className="field" value={user.hostname} onChange={s.setHostname} isInvalid={!!errorOf('hostname')}>
          <Label>{t('user.hostname')}</Label>
          <Input />
          <Text slot="description">{errorOf('hostname') ?? t('user.hostnameHint')}</Text>
        </TextField>
        <ComboBox className="field" items={zones} selectedKey={user.timezone} onSelectionChange={(k) => k !== null && s.setUser({ timezone: String(k) })} menuTrigger="focus">
          <Label>{t('user.timezone')}</Label>
          <div className="combo">
            <Input />
            <Button className="button secondary" aria-label={t('user.timezoneOpen')}>▾</Button>
          </div>
          <Popover>
            <ListBox className="listbox tz">
              {(z: { id: string; name: string }) => (
                <ListBoxItem id={z.id} className="listbox-item" textValue={z.name}>
                  {z.name}
                </ListBoxItem>
              )}
            </ListBox>
          </Popover>
        </ComboBox>
      </div>
      <RadioGroup className="choices inline" value={user.rtc} onChange={(v) => s.setUser({ rtc: v as 'utc' | 'local' })}>
        <Label className="group-label">{t('user.rtc')}</Label>
        <Radio value="utc" className="choice">{t('user.rtcUtc')}</Radio>
        <Radio value="local" className="choice">{t('user.rtcLocal')}</Radio>
      </RadioGroup>
      <Problems problems={problems.filter((p) => !['user.name', 'user.password', 'hostname'].includes(p.path))} />
    </PageFrame>
  );
}
