// The disk page's encryption: the choice (offered when a whole disk is erased and the variant can open an
// encrypted root; otherwise disabled with the reason), then the passphrase twice with the engine's own rule
// (shared/account-rules.ts) said as it is typed, an honest strength hint, and the warning that nobody can
// recover a lost passphrase. The passphrase is a secret: the store keeps it apart from the session's fields.
import { useEffect, useId, useRef } from 'react';
import { Checkbox, Input, Label, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { checkPassphrase, checkPassphraseConfirm, encryptionBlockers, PASSPHRASE_MIN_LENGTH } from '../../electron/api.ts';
import { problemKey } from '../components/Problems.tsx';
import { passphraseReady, passphraseStrength } from '../store/derive.ts';
import { useStore, type Store } from '../store/index.ts';

/** Why encryption is not offered here (translated), or null: it is. */
export function encryptionUnavailable(t: TFunction, s: Pick<Store, 'disk' | 'facts' | 'variant'>): string | null {
  if (s.disk.mode !== 'erase') return t('disk.encryptNeedsErase');
  const sysroot = s.facts?.sysroots.find((x) => x.name === s.variant);
  const blocker = sysroot ? encryptionBlockers(sysroot.tools, sysroot.title, { ...(s.facts?.canOpenLuks !== undefined ? { canOpenLuks: s.facts.canOpenLuks } : {}) })[0] : undefined;
  return blocker ? t(`plan:problem.${blocker.code}`, blocker.params) : null;
}

/** The disk page may go on: no encryption, or a passphrase the rule accepts, typed the same twice. */
export function encryptionReady(s: Pick<Store, 'disk' | 'passphrase'>): boolean {
  return !s.disk.encrypt || s.disk.mode !== 'erase' || passphraseReady(s.passphrase.value, s.passphrase.confirm);
}

/** What the shared rule says of the passphrase as it is typed (nothing while it is empty). */
function passphraseProblem(t: TFunction, p: string): string | undefined {
  const f = p === '' ? undefined : checkPassphrase(p)[0];
  return f && t(problemKey(f.code), f.params);
}

/**
 * The confirmation differs: said once it can no longer become the passphrase by typing on (not while it is a
 * beginning of it), so a person typing it is not told off at every key.
 */
function confirmDiffers(p: string, confirm: string): boolean {
  if (confirm === '' || (confirm.length < p.length && p.startsWith(confirm))) return false;
  return checkPassphraseConfirm(p, confirm).length > 0;
}

export function EncryptionFields() {
  const { t } = useTranslation();
  const disk = useStore((s) => s.disk);
  const facts = useStore((s) => s.facts);
  const variant = useStore((s) => s.variant);
  const passphrase = useStore((s) => s.passphrase);
  const setDisk = useStore((s) => s.setDisk);
  const setPassphrase = useStore((s) => s.setPassphrase);
  const ids = { about: useId(), reason: useId(), warning: useId() };
  const section = useRef<HTMLDivElement>(null);
  const reason = encryptionUnavailable(t, { disk, facts, variant });
  const on = disk.encrypt && !reason;
  // A variant that cannot open an encrypted root: the answers must not ask for it (as with GRUB). The mode is
  // left alone: back on "erase a whole disk", the choice and the passphrase are as they were.
  const variantBlocks = disk.mode === 'erase' && !!reason;
  useEffect(() => {
    if (variantBlocks && disk.encrypt) setDisk({ encrypt: false });
  }, [variantBlocks, disk.encrypt, setDisk]);
  // Just ticked: the warning and the fields come into view (on a 600-pixel screen they open below the fold).
  // Not when the page opens with them (a resumed session): the page starts at its heading.
  const wasOn = useRef(on);
  useEffect(() => {
    if (on && !wasOn.current) section.current?.scrollIntoView?.({ block: 'nearest' });
    wasOn.current = on;
  }, [on]);

  const strength = passphraseStrength(passphrase.value);
  const problem = passphraseProblem(t, passphrase.value);
  const rules = t('disk.passphraseRules', { min: PASSPHRASE_MIN_LENGTH });
  const hint = problem ?? (strength === 'empty' ? rules : `${t(`disk.passphraseStrength.${strength}`)} · ${rules}`);
  const differs = confirmDiffers(passphrase.value, passphrase.confirm);
  const confirmed = passphrase.confirm !== '' && !differs && passphraseReady(passphrase.value, passphrase.confirm);

  return (
    <div className="encryption" ref={section}>
      <Checkbox className="confirm plain" isSelected={on} isDisabled={!!reason} onChange={(encrypt) => setDisk({ encrypt })} aria-describedby={reason ? ids.reason : on ? ids.warning : ids.about}>
        <span className="box" aria-hidden="true" />
        {t('disk.encrypt')}
      </Checkbox>
      {reason ? (
        <p className="note" id={ids.reason} data-testid="encrypt-unavailable">
          {reason}
        </p>
      ) : (
        !on && (
          <p className="note" id={ids.about}>
            {t('disk.encryptAbout')}
          </p>
        )
      )}
      {on && (
        <>
          <p className="encrypt-warning" id={ids.warning} data-testid="encrypt-warning">
            <span aria-hidden="true">⚠ </span>
            {t('disk.encryptWarning')}
          </p>
          <div className="fields two">
            <TextField
              className="field"
              type="password"
              value={passphrase.value}
              onChange={(value) => setPassphrase({ value })}
              isInvalid={!!problem}
              aria-describedby={ids.warning}
              autoComplete="new-password"
            >
              <Label>{t('disk.passphrase')}</Label>
              <Input spellCheck={false} />
              {/* Polite: said when it changes (a rule broken or kept, the strength), not at every key. */}
              <Text slot="description" className={problem ? 'error' : `strength ${strength}`} data-strength={strength} data-testid="passphrase-hint" aria-live="polite">
                {hint}
              </Text>
            </TextField>
            <TextField className="field" type="password" value={passphrase.confirm} onChange={(confirm) => setPassphrase({ confirm })} isInvalid={differs} autoComplete="new-password">
              <Label>{t('disk.passphraseConfirm')}</Label>
              <Input spellCheck={false} />
              <Text slot="description" className={differs ? 'error' : confirmed ? 'strength strong' : undefined} data-testid="passphrase-confirm-hint" aria-live="polite">
                {differs ? t('validation:encryption.passphrase-mismatch') : confirmed ? t('disk.passphraseMatches') : t('disk.passphraseAgain')}
              </Text>
            </TextField>
          </div>
        </>
      )}
    </div>
  );
}
