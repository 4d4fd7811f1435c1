// Which language the CLI speaks: the environment's locale when it names one, else LANG= on the kernel
// command line (GRUB's choice in the Live session), else English.
import { languageOf, type Language } from '../engine/i18n.ts';
import { localeFromCmdline } from '../engine/answers/locale.ts';

export function cliLanguage(env: NodeJS.ProcessEnv, cmdline: string): Language {
  for (const k of ['LC_ALL', 'LC_MESSAGES', 'LANG'] as const) {
    const v = env[k];
    if (v && !/^(C|POSIX)(\.|$)/i.test(v)) return languageOf(v);
  }
  return languageOf(localeFromCmdline(cmdline));
}
