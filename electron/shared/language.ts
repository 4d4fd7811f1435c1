// The languages the installer speaks, and how a POSIX locale maps onto them. Pure (no Node APIs):
// the engine, the CLI and the renderer bundle all import it.

export const LANGUAGES = ['en', 'zh-CN', 'zh-TW'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Maps a POSIX locale (`zh_CN.UTF-8`) or a tag (`zh-TW`) to one of our languages. */
export function languageOf(locale: string | null | undefined): Language {
  const tag = (locale ?? '').split('.')[0]!.replace('_', '-');
  if (/^zh-(TW|HK|MO|Hant)/i.test(tag)) return 'zh-TW';
  if (/^zh/i.test(tag)) return 'zh-CN';
  return 'en';
}
