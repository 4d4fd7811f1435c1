// Pure rules for single answer fields. Each returns problems as { code, params } (no path):
// validate.ts attaches the key path and the English message. The account's password and full name
// rules live in shared/account-rules.ts: the repairs and the wizard use the very same ones.
import { SIZE_RE } from '../../shared/answers.ts';
import type { Finding } from '../../shared/problem.ts';
import { formatSize, parseSize } from './size.ts';

export type { Finding } from '../../shared/problem.ts';
export { checkFullname, checkPassphrase, checkPassword, FULLNAME_MAX_BYTES, PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '../../shared/account-rules.ts';

const HOSTNAME_MAX = 253;
const LABEL_MAX = 63;

/** RFC 1123 host names: dot-separated labels of 1-63 letters, digits, hyphens; no edge hyphens; ≤ 253. */
export function checkHostname(name: string): Finding[] {
  if (name === '') return [{ code: 'hostname.empty' }];
  const out: Finding[] = [];
  if (name.length > HOSTNAME_MAX) out.push({ code: 'hostname.too-long', params: { length: name.length, max: HOSTNAME_MAX } });
  for (const label of name.split('.')) {
    if (label === '') {
      out.push({ code: 'hostname.label-empty' });
      break;
    }
    if (label.length > LABEL_MAX) out.push({ code: 'hostname.label-too-long', params: { label, max: LABEL_MAX } });
    if (!/^[A-Za-z0-9-]+$/.test(label)) out.push({ code: 'hostname.label-chars', params: { label } });
    else if (label.startsWith('-') || label.endsWith('-')) out.push({ code: 'hostname.label-hyphen', params: { label } });
  }
  return out;
}

export const USER_NAME_MAX = 32;
/** Names taken by system accounts and groups on common distributions (plus the admin groups). */
export const RESERVED_USER_NAMES = [
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy',
  'www-data', 'backup', 'list', 'irc', 'gnats', 'nobody', 'nogroup', 'adm', 'admin', 'wheel', 'sudo',
  'users', 'operator', 'halt', 'shutdown', 'ftp', 'dbus', 'messagebus', 'sshd', 'polkitd', 'avahi',
  'tty', 'disk', 'kmem', 'audio', 'video', 'input', 'render', 'kvm', 'utmp', 'shadow', 'staff',
  'systemd-network', 'systemd-resolve', 'systemd-timesync', 'systemd-journal', 'systemd-coredump',
  'lightdm', 'gdm', 'sddm', 'live',
];

export function checkUserName(name: string, existing: readonly string[], variant: string | undefined): Finding[] {
  if (!/^[a-z_][a-z0-9_-]*$/.test(name)) return [{ code: 'user.name-format', params: { name } }];
  if (name.length > USER_NAME_MAX) return [{ code: 'user.name-too-long', params: { name, max: USER_NAME_MAX } }];
  if (RESERVED_USER_NAMES.includes(name)) return [{ code: 'user.name-reserved', params: { name } }];
  if (existing.includes(name)) return [{ code: 'user.name-exists', params: { name, variant: variant ?? '' } }];
  return [];
}

const B64 = '[./0-9A-Za-z]';
/** crypt(3) formats chpasswd -e and shadow accept on current distributions. */
const HASH_RES = [
  new RegExp(`^\\$6\\$(rounds=\\d+\\$)?${B64}{1,16}\\$${B64}{86}$`), // SHA-512
  new RegExp(`^\\$5\\$(rounds=\\d+\\$)?${B64}{1,16}\\$${B64}{43}$`), // SHA-256
  new RegExp(`^\\$(y|gy|7)\\$${B64}+\\$${B64}+\\$${B64}{43}$`), // yescrypt, gost-yescrypt, scrypt
  new RegExp(`^\\$2[aby]\\$\\d\\d\\$${B64}{53}$`), // bcrypt
];

export function isPasswordHash(s: string): boolean {
  return HASH_RES.some((re) => re.test(s));
}

/** An account needs exactly one of password and password-hash (none would leave it without login). */
export function checkPasswordPairing(hasPassword: boolean, hasHash: boolean): Finding[] {
  if (hasPassword && hasHash) return [{ code: 'user.password-and-hash' }];
  if (!hasPassword && !hasHash) return [{ code: 'user.no-password' }];
  return [];
}

export function checkPasswordHash(hash: string): Finding[] {
  return isPasswordHash(hash) ? [] : [{ code: 'user.hash-format' }];
}

export const SWAP_MIN = 16 * 1024 * 1024;
export const SWAP_MAX = 1024 ** 4;

export function checkSwap(swap: string): Finding[] {
  if (swap === 'auto' || swap === 'none') return [];
  if (!SIZE_RE.test(swap)) return [{ code: 'swap.invalid', params: { value: swap } }];
  let bytes: number;
  try {
    bytes = parseSize(swap);
  } catch {
    return [{ code: 'swap.too-large', params: { value: swap, max: formatSize(SWAP_MAX) } }];
  }
  if (bytes < SWAP_MIN) return [{ code: 'swap.too-small', params: { value: swap, min: formatSize(SWAP_MIN) } }];
  if (bytes > SWAP_MAX) return [{ code: 'swap.too-large', params: { value: swap, max: formatSize(SWAP_MAX) } }];
  return [];
}

const TZ_RE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
let intlZones: Set<string> | undefined;

/**
 * A time zone known to the variant (its usr/share/zoneinfo, when `zoneExists` can look), else to
 * the ICU data: Intl's canonical zones plus UTC and Etc/*.
 */
export function isKnownTimezone(tz: string, zoneExists?: (tz: string) => boolean | undefined): boolean {
  if (!TZ_RE.test(tz)) return false;
  const inVariant = zoneExists?.(tz);
  if (inVariant !== undefined) return inVariant;
  intlZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (tz === 'UTC' || intlZones.has(tz)) return true;
  if (/^Etc\/(UTC|UCT|GMT|Universal|Zulu|Greenwich|GMT[+-](0|[1-9]|1[0-4]))$/.test(tz)) return true;
  // Intl lists canonical names only; accept a legacy alias it still resolves (Asia/Calcutta ...).
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/');
  } catch {
    return false;
  }
}
