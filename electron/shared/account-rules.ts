// The rules for what an account's password and full name may hold: ONE set, used by the install's
// validation (answers/validate.ts), every repair path (the CLI's `repair password`, the service's `repair`)
// and the wizard's pages, so each refuses the same thing before anything is written. Pure; problems are
// { code, params } in the `validation` namespace.
//
// The limits were measured on Debian 12 (shadow 4.13, libpam-modules 1.5.2), in a debootstrap minbase
// chroot and in the test fixture's copy of the same tools:
//  - chpasswd reads `user:password` lines: a line feed starts a new line (`Newpass\nroot:x` sets root's
//    password too), a NUL makes it fail ("line too long") after the disk was erased.
//  - chpasswd accepts every other control character, but a person cannot type them back: the terminal's
//    line discipline takes DEL, ^U, ^V, ^C, ^W... as editing keys and signals (tried: `su` on a pty fails
//    with a DEL, ^U or ^V in the password), and a graphical greeter takes Tab and Esc as focus and cancel.
//    So every control character (Unicode Cc: U+0000-U+001F, U+007F-U+009F) is refused in a password.
//  - pam_unix refuses a password of 512 bytes or more (PAM_MAX_RESP_SIZE): 511 ASCII characters work, 512
//    fail; 170 three-byte characters (510 bytes) work, 171 (513) fail. Bytes of UTF-8, not characters.
//  - useradd -c refuses ':' and a line feed ("invalid comment"), fails on any other C0 control or DEL in
//    /etc/passwd ("failure while writing changes"), and fails for a line of /etc/passwd past ~32 KiB.
import type { Finding } from './problem.ts';

/**
 * Shorter passwords are refused: a secret is hidden in free text by replacing it, and a 1-3 character
 * one (`1`, `"`, `{}`) would turn every log line into noise while hiding nothing a guess would not find.
 * Counted in characters (code points), as a person counts them.
 */
export const PASSWORD_MIN_LENGTH = 4;

/** pam_unix refuses 512 bytes and more (measured, see above): the longest password chpasswd sets. */
export const PASSWORD_MAX_BYTES = 511;

/**
 * A full name is a person's name, shown by the greeter and `finger`; useradd's own ceiling (a 32 KiB
 * /etc/passwd line) is far above it. 256 bytes keeps the whole passwd line within the 1024-byte buffers
 * that getpwnam_r callers commonly use, whatever the name, home and shell.
 */
export const FULLNAME_MAX_BYTES = 256;

/** Unicode general category Cc: C0 controls (NUL, tab, line feed, carriage return, escape...), DEL, C1. */
const CONTROL = /\p{Cc}/u;

/** UTF-8 bytes, as chpasswd and /etc/passwd see the text (TextEncoder: in Node and in the browser). */
export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * Text that is not well-formed UTF-16 (a lone surrogate, from a JSON `\ud800` escape) would reach
 * chpasswd as U+FFFD: a different password from the one the person gave (user.not-unicode; the CLI
 * refuses stdin that is not UTF-8 with the same code).
 */
function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** A password chpasswd sets exactly as given, and that a person can type at a console or a greeter. */
export function checkPassword(password: string): Finding[] {
  if (password === '') return [{ code: 'user.password-empty' }];
  const out: Finding[] = [];
  if (CONTROL.test(password)) out.push({ code: 'user.password-chars' });
  if (hasLoneSurrogate(password)) out.push({ code: 'user.not-unicode' });
  if ([...password].length < PASSWORD_MIN_LENGTH) out.push({ code: 'user.password-short', params: { min: PASSWORD_MIN_LENGTH } });
  const bytes = utf8Bytes(password);
  if (bytes > PASSWORD_MAX_BYTES) out.push({ code: 'user.password-long', params: { bytes, max: PASSWORD_MAX_BYTES } });
  return out;
}

/**
 * The GECOS field useradd -c writes: no ':' (the passwd field separator), no ',' (GECOS's own separator:
 * chfn and AccountsService read the name as its first part), no control character, at most
 * FULLNAME_MAX_BYTES.
 */
export function checkFullname(fullname: string): Finding[] {
  const out: Finding[] = [];
  if (/[:,]/.test(fullname) || CONTROL.test(fullname)) out.push({ code: 'user.fullname-chars' });
  if (hasLoneSurrogate(fullname)) out.push({ code: 'user.not-unicode' });
  const bytes = utf8Bytes(fullname);
  if (bytes > FULLNAME_MAX_BYTES) out.push({ code: 'user.fullname-long', params: { bytes, max: FULLNAME_MAX_BYTES } });
  return out;
}

/** A disk passphrase: long enough to resist guessing at argon2id's cost, short enough for the unlock prompt. */
export const PASSPHRASE_MIN_LENGTH = 8;
/** cryptsetup's own ceiling for a typed passphrase (its interactive passphrase limit). */
export const PASSPHRASE_MAX_BYTES = 512;

/**
 * The passphrase of an encrypted root is typed before the system starts, at the initramfs prompt on the
 * console: no input method, only what the keyboard layout's keys give. Printable ASCII (U+0020-U+007E) is what
 * every layout can type back; a Chinese character typed in the Live session's input method could never be.
 */
export function checkPassphrase(passphrase: string): Finding[] {
  if (passphrase === '') return [{ code: 'encryption.passphrase-empty' }];
  const out: Finding[] = [];
  if (!/^[\x20-\x7e]*$/.test(passphrase)) out.push({ code: 'encryption.passphrase-chars' });
  if ([...passphrase].length < PASSPHRASE_MIN_LENGTH) out.push({ code: 'encryption.passphrase-short', params: { min: PASSPHRASE_MIN_LENGTH } });
  const bytes = utf8Bytes(passphrase);
  if (bytes > PASSPHRASE_MAX_BYTES) out.push({ code: 'encryption.passphrase-long', params: { bytes, max: PASSPHRASE_MAX_BYTES } });
  return out;
}

/** A passphrase asked twice (the wizard, the CLI on a terminal): both must be the same. */
export function checkPassphraseConfirm(passphrase: string, again: string): Finding[] {
  return passphrase === again ? [] : [{ code: 'encryption.passphrase-mismatch' }];
}
