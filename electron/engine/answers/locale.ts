// Locales: the `LANG=` GRUB puts on the kernel command line, and the locale names we accept.

/**
 * POSIX locale names the installer writes to /etc/locale.conf: `ll_CC.UTF-8` (also `lll_CC`,
 * `.utf8`, an `@modifier` such as `sr_RS.UTF-8@latin`) and `C.UTF-8`. Non-UTF-8 charsets are refused.
 */
const LOCALE_RE = /^[a-z]{2,3}_[A-Z]{2}\.(UTF-8|utf8)(@[a-z]+)?$/;

export function isValidLocale(s: string): boolean {
  return s === 'C.UTF-8' || s === 'C.utf8' || LOCALE_RE.test(s);
}

/** Splits a kernel command line the way the kernel does: spaces separate, double quotes group. */
export function splitCmdline(cmdline: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quoted = false;
  let inArg = false;
  for (const c of cmdline) {
    if (c === '"') {
      quoted = !quoted;
      inArg = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (inArg) args.push(cur);
  return args;
}

/**
 * The valid locale of the last `LANG=` before `--` (the kernel hands later words to init as
 * arguments, not as environment), or undefined when absent, empty or malformed.
 */
export function localeFromCmdline(cmdline: string): string | undefined {
  let found: string | undefined;
  for (const arg of splitCmdline(cmdline)) {
    if (arg === '--') break;
    if (arg.startsWith('LANG=')) found = arg.slice(5);
  }
  return found !== undefined && isValidLocale(found) ? found : undefined;
}

export const DEFAULT_LOCALE = 'en_US.UTF-8';

/** The sysroot named by the last `livekit.boot=` before `--`, or undefined. */
export function bootSysrootFromCmdline(cmdline: string): string | undefined {
  let found: string | undefined;
  for (const arg of splitCmdline(cmdline)) {
    if (arg === '--') break;
    if (arg.startsWith('livekit.boot=')) found = arg.slice('livekit.boot='.length);
  }
  return found && /^[A-Za-z0-9._-]+$/.test(found) ? found : undefined;
}
