// Pure helpers behind the wizard's fields: derived names, the password hint, the answers object.
import { checkPassphrase, checkPassphraseConfirm, checkPassword, type AnswersInput } from '../../electron/api.ts';

/** What a full name without Latin letters (张三, Иван) suggests as the user name, for the person to change. */
export const FALLBACK_USERNAME = 'user';

/**
 * `Alice Liddell` → `alice`; only what the engine's user name rule accepts (lower case, digits, - _).
 * A name with no Latin letters (张三) suggests `user` rather than nothing.
 */
export function deriveUsername(fullname: string): string {
  const first = fullname.trim().split(/\s+/)[0] ?? '';
  const ascii = first.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const name = ascii.replace(/^[^a-z_]+/, '').slice(0, 32);
  return name || (fullname.trim() ? FALLBACK_USERNAME : '');
}

/** The user name came from the fallback, not from the person's name: the page says it is only a suggestion. */
export function isSuggestedUsername(fullname: string, username: string): boolean {
  return username === FALLBACK_USERNAME && fullname.trim() !== '' && deriveUsername(fullname) === FALLBACK_USERNAME && !/^user\b/i.test(fullname.trim());
}

/** `alice` → `alice-pc` (RFC 1123 label); empty when there is no user name yet. */
export function deriveHostname(username: string): string {
  const base = username.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return base ? `${base.slice(0, 60)}-pc` : '';
}

export type Strength = 'empty' | 'weak' | 'fair' | 'strong';

/** A hint, not a rule: length and variety of character classes. */
export function passwordStrength(pw: string): Strength {
  if (!pw) return 'empty';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(pw)).length;
  if (pw.length >= 12 && classes >= 3) return 'strong';
  if (pw.length >= 8 && classes >= 2) return 'fair';
  return 'weak';
}

const PASSPHRASE_CLASSES: [RegExp, number][] = [[/[a-z]/, 26], [/[A-Z]/, 26], [/[0-9]/, 10], [/[^a-zA-Z0-9]/, 33]];

/**
 * A hint for the disk passphrase, not a rule: the most guesses its length and character classes could force
 * (length × log2 of the classes' alphabet: a-z 26, A-Z 26, 0-9 10, space and symbols 33). A long passphrase of
 * plain words counts as strong, as it is; a short one with every class does not. Said as weak, fair or strong.
 */
export function passphraseStrength(p: string): Strength {
  if (!p) return 'empty';
  const pool = PASSPHRASE_CLASSES.reduce((n, [re, size]) => (re.test(p) ? n + size : n), 0);
  const bits = [...p].length * Math.log2(pool);
  if (bits >= 75) return 'strong';
  if (bits >= 50) return 'fair';
  return 'weak';
}

/** The passphrase typed twice, ready for Next: the shared rule (shared/account-rules.ts) and the same text. */
export function passphraseReady(p: string, confirm: string): boolean {
  return checkPassphrase(p).length === 0 && checkPassphraseConfirm(p, confirm).length === 0;
}

/** The answers ask for encryption: ticked, and offered (a whole disk is erased). */
export function encrypts(f: Pick<WizardFields, 'disk'>): boolean {
  return f.disk.encrypt && f.disk.mode === 'erase';
}

/** A repair's new password, typed twice: the install's rule (shared/account-rules.ts), which the engine applies too. */
export function passwordReady(p: string, confirm: string): boolean {
  return checkPassword(p).length === 0 && p === confirm;
}

export interface WizardFields {
  locale: string;
  variant: string;
  disk: {
    mode: 'erase' | 'partitions';
    disk: string;
    root: string;
    efi: string;
    filesystem: 'ext4' | 'xfs' | 'btrfs';
    swap: 'auto' | 'none' | 'size';
    swapSize: string;
    bootloader: 'auto' | 'none';
    /** Root in LUKS2 (erase mode only: a plain /boot is made beside it). */
    encrypt: boolean;
  };
  /** The disk passphrase when `disk.encrypt` (a secret: the session keeps it apart from the fields). */
  passphrase: string;
  user: {
    fullname: string;
    username: string;
    password: string;
    hostname: string;
    timezone: string;
    rtc: 'utc' | 'local';
    admin: boolean;
    autologin: boolean;
    /** `locked`: no root password (the user administers with sudo); `password`: root gets `rootPassword`. */
    root: 'locked' | 'password';
    rootPassword: string;
  };
  keyboard: { layout: string; variant: string };
}

/**
 * The answers object (same schema as an answer file). `withPassword: false` leaves the secrets out: no
 * password, and the passphrase null, as an exported file says it.
 */
export function buildAnswers(f: WizardFields, withPassword: boolean): AnswersInput {
  const target: AnswersInput['target'] =
    f.disk.mode === 'erase'
      ? { disk: f.disk.disk, layout: 'auto', filesystem: f.disk.filesystem, swap: swapValue(f) }
      : { partitions: { root: f.disk.root, ...(f.disk.efi ? { efi: f.disk.efi } : {}) }, filesystem: f.disk.filesystem, swap: swapValue(f) };
  return {
    version: 1,
    variant: f.variant,
    target,
    hostname: f.user.hostname,
    locale: f.locale,
    timezone: f.user.timezone,
    rtc: f.user.rtc,
    keyboard: { layout: f.keyboard.layout, ...(f.keyboard.variant ? { variant: f.keyboard.variant } : {}) },
    user: {
      name: f.user.username,
      ...(f.user.fullname ? { fullname: f.user.fullname } : {}),
      ...(withPassword ? { password: f.user.password } : {}),
      admin: f.user.admin,
      autologin: f.user.autologin,
    },
    ...(f.user.root === 'password' ? { root: withPassword ? { password: f.user.rootPassword } : {} } : {}),
    bootloader: f.disk.bootloader,
    ...(encrypts(f) ? { encryption: { passphrase: withPassword ? f.passphrase : null } } : {}),
  };
}

function swapValue(f: WizardFields): string {
  return f.disk.swap === 'size' ? f.disk.swapSize.trim() : f.disk.swap;
}

/** The page a problem's answers path belongs to. */
export function pageOfPath(path: string): 'variant' | 'disk' | 'user' | 'region' | 'language' | null {
  if (path === 'variant') return 'variant';
  if (path.startsWith('target') || path === 'encryption' || path.startsWith('encryption.')) return 'disk';
  if (path === 'locale') return 'language';
  if (path === 'timezone' || path === 'rtc' || path.startsWith('keyboard')) return 'region';
  if (path === 'hostname' || path.startsWith('user') || path.startsWith('root')) return 'user';
  return null;
}
