// The account: names (a non-Latin full name suggests a user name to change), the password with the
// engine's own rules (shared/account-rules.ts) said as it is typed, administrator rights, automatic
// login, and root locked or not. Next asks the engine's validation, which applies the same rules.
import { useState } from 'react';
import { Checkbox, Input, Label, Radio, RadioGroup, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { checkFullname, checkPassword, PASSWORD_MIN_LENGTH, type UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems, problemKey } from '../components/Problems.tsx';
import { isSuggestedUsername, passwordStrength } from '../store/derive.ts';
import { useStore } from '../store/index.ts';
import { problemsFor, type ValidateFn } from './validate.ts';

/** What the shared rule says of a password as it is typed (nothing while it is empty). */
function passwordProblem(t: TFunction, pw: string): string | undefined {
  const f = pw === '' ? undefined : checkPassword(pw)[0];
  if (!f) return undefined;
  return f.code === 'user.password-short' ? t('user.tooShort', { min: PASSWORD_MIN_LENGTH }) : t(problemKey(f.code), f.params);
}

export function UserPage({ validate }: { validate: ValidateFn }) {
  const { t } = useTranslation();
  const user = useStore((s) => s.user);
  const s = useStore();
  const [problems, setProblems] = useState<UiProblem[]>([]);
  const [mismatch, setMismatch] = useState(false);
  const [rootMismatch, setRootMismatch] = useState(false);
  const strength = passwordStrength(user.password);
  // A field's problem is said until the person edits that field, not after it is fixed.
  const clear = (...paths: string[]) => setProblems((ps) => ps.filter((p) => !paths.includes(p.path)));
  const errorOf = (path: string) => problems.filter((p) => p.path === path).map((p) => t(problemKey(p.code), { ...p.params, path: p.path, defaultValue: p.message }))[0];
  const suggested = isSuggestedUsername(user.fullname, user.username) && !user.usernameEdited;
  const pwProblem = passwordProblem(t, user.password);
  const rootProblem = passwordProblem(t, user.rootPassword);
  const fullnameFinding = checkFullname(user.fullname)[0];
  const fullnameProblem = errorOf('user.fullname') ?? (fullnameFinding && t(problemKey(fullnameFinding.code), fullnameFinding.params));
  const passwordHint = pwProblem ?? `${t(`user.strength.${strength}`)} · ${t('user.minimum', { min: PASSWORD_MIN_LENGTH })}`;
  const next = async () => {
    const bad = user.password !== user.confirm;
    const rootBad = user.root === 'password' && user.rootPassword !== user.rootConfirm;
    setMismatch(bad);
    setRootMismatch(rootBad);
    const p = await problemsFor('user', useStore.getState(), validate);
    setProblems(p);
    if (p.length === 0 && !bad && !rootBad) s.go('region');
  };
  return (
    <PageFrame id="user" title={t('user.title')} onBack={() => s.go('disk')} onNext={next}>
      <div className="fields two">
        <TextField className="field" value={user.fullname} onChange={(v) => (clear('user.fullname', 'user.name', 'hostname'), s.setFullname(v))} isInvalid={!!fullnameProblem} autoComplete="name">
          <Label>{t('user.fullname')}</Label>
          <Input />
          {fullnameProblem && <Text slot="description">{fullnameProblem}</Text>}
        </TextField>
        <TextField className="field" value={user.username} onChange={(v) => (clear('user.name', 'hostname'), s.setUsername(v))} isInvalid={!!errorOf('user.name')} autoComplete="username">
          <Label>{t('user.username')}</Label>
          <Input />
          <Text slot="description" data-testid="username-hint">{errorOf('user.name') ?? (suggested ? t('user.usernameSuggested') : t('user.usernameHint'))}</Text>
        </TextField>
        <TextField className="field" type="password" value={user.password} onChange={(password) => (clear('user.password', 'user'), s.setUser({ password }))} isInvalid={!!errorOf('user.password') || !!pwProblem}>
          <Label>{t('user.password')}</Label>
          <Input />
          <Text slot="description" className={`strength ${strength}`} data-strength={strength}>
            {errorOf('user.password') ?? passwordHint}
          </Text>
        </TextField>
        <TextField className="field" type="password" value={user.confirm} onChange={(confirm) => (setMismatch(false), s.setUser({ confirm }))} isInvalid={mismatch}>
          <Label>{t('user.confirm')}</Label>
          <Input />
          {mismatch && <Text slot="description" className="error">{t('user.mismatch')}</Text>}
        </TextField>
        <TextField className="field" value={user.hostname} onChange={(v) => (clear('hostname'), s.setHostname(v))} isInvalid={!!errorOf('hostname')}>
          <Label>{t('user.hostname')}</Label>
          <Input />
          <Text slot="description">{errorOf('hostname') ?? t('user.hostnameHint')}</Text>
        </TextField>
        <div className="field checks">
          <Checkbox className="confirm plain" isSelected={user.admin} onChange={(admin) => s.setUser({ admin })}>
            <span className="box" aria-hidden="true" />
            {t('user.admin')}
          </Checkbox>
          <Checkbox className="confirm plain" isSelected={user.autologin} onChange={(autologin) => s.setUser({ autologin })}>
            <span className="box" aria-hidden="true" />
            {t('user.autologin')}
          </Checkbox>
        </div>
      </div>
      <RadioGroup className="choices inline" value={user.root} onChange={(v) => s.setUser({ root: v as 'locked' | 'password' })}>
        <Label className="group-label">{t('user.root')}</Label>
        <Radio value="locked" className="choice">{t('user.rootLocked')}</Radio>
        <Radio value="password" className="choice">{t('user.rootPassword')}</Radio>
      </RadioGroup>
      {user.root === 'password' && (
        <div className="fields two">
          <TextField className="field" type="password" value={user.rootPassword} onChange={(rootPassword) => (clear('root.password', 'root'), s.setUser({ rootPassword }))} isInvalid={!!errorOf('root.password') || !!rootProblem}>
            <Label>{t('user.rootPasswordLabel')}</Label>
            <Input />
            <Text slot="description">{errorOf('root.password') ?? rootProblem ?? t('user.minimum', { min: PASSWORD_MIN_LENGTH })}</Text>
          </TextField>
          <TextField className="field" type="password" value={user.rootConfirm} onChange={(rootConfirm) => (setRootMismatch(false), s.setUser({ rootConfirm }))} isInvalid={rootMismatch}>
            <Label>{t('user.rootConfirm')}</Label>
            <Input />
            {rootMismatch && <Text slot="description" className="error">{t('user.mismatch')}</Text>}
          </TextField>
        </div>
      )}
      <Problems problems={problems.filter((p) => !['user.name', 'user.fullname', 'user.password', 'hostname', 'root.password'].includes(p.path))} />
    </PageFrame>
  );
}
