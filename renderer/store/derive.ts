// Pure helpers behind the wizard's fields: derived names, the password hint, the answers object.
import type { AnswersInput } from '../../electron/api.ts';

/** `Alice Liddell` → `alice`; only what the engine's user name rule accepts (lower case, digits, - _). */
export function deriveUsername(fullname: string): string {
  const first = fullname.trim().split(/\s+/)[0] ?? '';
  const ascii = first.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return ascii.replace(/^[^a-z_]+/, '').slice(0, 32);
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

export interface WizardFields {
  locale: string;
  variant: string;
  disk: { mode: 'erase' | 'partitions'; disk: string; root: string; efi: string; filesystem: 'ext4' | 'xfs' | 'btrfs'; swap: 'auto' | 'none' | 'size'; swapSize: string; bootloader: 'auto' | 'none' };
  user: { fullname: string; username: string; password: string; hostname: string; timezone: string; rtc: 'utc' | 'local' };
}

/** The answers object (same schema as an answer file). `withPassword: false` for "Export answers". */
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
    user: {
      name: f.user.username,
      ...(f.user.fullname ? { fullname: f.user.fullname } : {}),
      ...(withPassword ? { password: f.user.password } : {}),
    },
    bootloader: f.disk.bootloader,
  };
}

function swapValue(f: WizardFields): string {
  return f.disk.swap === 'size' ? f.disk.swapSize.trim() : f.disk.swap;
}

/** The page a problem's answers path belongs to. */
export function pageOfPath(path: string): 'variant' | 'disk' | 'user' | 'language' | null {
  if (path === 'variant') return 'variant';
  if (path.startsWith('target')) return 'disk';
  if (path === 'locale') return 'language';
  if (path === 'hostname' || path.startsWith('user') || path === 'timezone' || path === 'rtc') return 'user';
  return null;
}
