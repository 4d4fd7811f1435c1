// The repairs for the chosen system as cards with a plain explanation (and, for the password, the
// account and the new password, held to the install's own rules); and "Open a terminal in this system".
import { Button, Input, Label, Radio, RadioGroup, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { checkPassword, UI_REPAIR_KINDS } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { problemKey } from '../components/Problems.tsx';
import { passwordReady } from '../store/derive.ts';
import { useRepair } from '../store/repair.ts';
import type { RescueApi } from './api.ts';


export function RepairsPage({ api, locale }: { api: RescueApi; locale: string }) {
  const { t } = useTranslation();
  const r = useRepair();
  const sys = r.systems?.systems.find((s) => s.id === r.system);
  if (!sys) return null;
  const user = r.user || (sys.users.length === 1 ? sys.users[0]! : '');
  const ready = r.repair !== null && (r.repair !== 'password' || (!!user && passwordReady(r.password, r.confirm)));
  const refused = r.password === '' ? undefined : checkPassword(r.password)[0];
  const mismatch = r.confirm.length > 0 && r.password !== r.confirm;
  const openTerminal = async () => {
    r.setTerminal(null);
    try {
      r.setTerminal(await api.terminal(sys.id, locale));
    } catch {
      r.setTerminal({ started: false, command: ['sudo', 'livekit', 'shell', sys.id], reason: 'failed' });
    }
  };
  return (
    <PageFrame
      id="repairs"
      title={t('repair:repairs.title', { name: sys.name })}
      onBack={() => r.go('systems')}
      onNext={() => {
        if (r.repair === 'password') r.setFields({ user });
        r.go('plan');
      }}
      nextDisabled={!ready}
    >
      <RadioGroup className="cards" value={r.repair} onChange={(v) => r.setRepair(v as (typeof UI_REPAIR_KINDS)[number])}>
        <Label className="group-label">{t('repair:repairs.label')}</Label>
        {UI_REPAIR_KINDS.map((k) => (
          <Radio key={k} value={k} className="card" data-repair={k}>
            <span className="card-title">{t(`repair:repairs.kind.${k}.title`)}</span>
            <Text slot="description" className="card-desc">
              {t(`repair:repairs.kind.${k}.desc`)}
            </Text>
          </Radio>
        ))}
      </RadioGroup>
      {r.repair === 'password' && (
        <div className="fields two">
          <RadioGroup className="choices inline" value={user || null} onChange={(u) => r.setFields({ user: u })}>
            <Label className="group-label">{t('repair:repairs.user')}</Label>
            {sys.users.map((u) => (
              <Radio key={u} value={u} className="choice">
                {u}
              </Radio>
            ))}
          </RadioGroup>
          <span />
          <TextField className="field" type="password" value={r.password} onChange={(password) => r.setFields({ password })} isInvalid={!!refused}>
            <Label>{t('repair:repairs.password')}</Label>
            <Input autoComplete="new-password" />
            <Text slot="description">{refused ? t(problemKey(refused.code), refused.params) : t('repair:repairs.passwordHelp')}</Text>
          </TextField>
          <TextField className="field" type="password" value={r.confirm} onChange={(confirm) => r.setFields({ confirm })} isInvalid={mismatch}>
            <Label>{t('repair:repairs.confirm')}</Label>
            <Input autoComplete="new-password" />
            {mismatch && <Text slot="description">{t('repair:repairs.mismatch')}</Text>}
          </TextField>
        </div>
      )}
      <section className="terminal" aria-labelledby="terminal-title">
        <h2 id="terminal-title">{t('repair:terminal.title')}</h2>
        <p className="card-desc">{t('repair:terminal.desc', { name: sys.name })}</p>
        <Button className="button secondary" onPress={() => void openTerminal()}>
          {t('repair:terminal.open')}
        </Button>
        {r.terminal && (
          <p role="status" data-testid="terminal-status">
            {r.terminal.started ? t('repair:terminal.started') : t(`repair:terminal.reason.${r.terminal.reason ?? 'failed'}`)}{' '}
            {!r.terminal.started && <code>{r.terminal.command.join(' ')}</code>}
          </p>
        )}
      </section>
    </PageFrame>
  );
}
