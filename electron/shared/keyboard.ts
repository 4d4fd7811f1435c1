// Keyboard layouts (XKB names) the installer offers, and the layout and time zone a locale suggests.
// Pure data and functions: the engine (validation, planner), the CLI and the renderer share them.

/** XKB layouts offered by name; an answer file may also name any layout the variant's XKB data has. */
export const KEYBOARD_LAYOUTS = [
  'us', 'gb', 'cn', 'tw', 'de', 'fr', 'es', 'latam', 'it', 'pt', 'br', 'ru', 'jp', 'kr',
  'ch', 'be', 'nl', 'se', 'no', 'dk', 'fi', 'pl', 'cz', 'tr', 'ca', 'ua',
] as const;

/** Variants offered per layout in the UI (XKB names); the default variant is the empty string. */
export const KEYBOARD_VARIANTS: Record<string, string[]> = {
  us: ['intl', 'dvorak', 'colemak'],
  gb: ['extd'],
  de: ['nodeadkeys'],
  fr: ['oss', 'bepo'],
  es: ['nodeadkeys'],
  ru: ['phonetic'],
};

/** An XKB layout or variant name (what /etc/default/keyboard and xorg.conf.d take unquoted-safe). */
export const XKB_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;

/** Per language part of a locale (`zh_CN` first, then `de`): the keyboard layout it usually means. */
const LAYOUT_OF_LOCALE: Record<string, string> = {
  zh_CN: 'cn', zh_SG: 'cn', zh_TW: 'tw', zh_HK: 'us', en_GB: 'gb', en_IE: 'gb', en_CA: 'us', fr_CA: 'ca',
  pt_BR: 'br', de_CH: 'ch', fr_CH: 'ch', fr_BE: 'be', nl_BE: 'be', es_MX: 'latam', es_AR: 'latam',
  de: 'de', fr: 'fr', es: 'es', it: 'it', pt: 'pt', ru: 'ru', ja: 'jp', ko: 'kr', nl: 'nl', sv: 'se',
  nb: 'no', nn: 'no', da: 'dk', fi: 'fi', pl: 'pl', cs: 'cz', tr: 'tr', uk: 'ua',
};

/** Per territory of a locale: its time zone, for countries with one zone (no guess for the US, Canada, Brazil, ...). */
const ZONE_OF_LOCALE: Record<string, string> = {
  CN: 'Asia/Shanghai', TW: 'Asia/Taipei', HK: 'Asia/Hong_Kong', MO: 'Asia/Macau', SG: 'Asia/Singapore',
  JP: 'Asia/Tokyo', KR: 'Asia/Seoul', GB: 'Europe/London', IE: 'Europe/Dublin', DE: 'Europe/Berlin',
  FR: 'Europe/Paris', ES: 'Europe/Madrid', IT: 'Europe/Rome', PT: 'Europe/Lisbon', NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels', CH: 'Europe/Zurich', AT: 'Europe/Vienna', SE: 'Europe/Stockholm', NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen', FI: 'Europe/Helsinki', PL: 'Europe/Warsaw', CZ: 'Europe/Prague', TR: 'Europe/Istanbul',
  UA: 'Europe/Kyiv', IN: 'Asia/Kolkata', NZ: 'Pacific/Auckland',
};

function parts(locale: string | null | undefined): { lang: string; territory: string } {
  const m = /^([a-z]{2,3})(?:[_-]([A-Z]{2}))?/.exec((locale ?? '').split('.')[0] ?? '');
  return { lang: m?.[1] ?? '', territory: m?.[2] ?? '' };
}

/** The keyboard layout a locale suggests (`zh_CN.UTF-8` → `cn`); `us` when nothing better is known. */
export function layoutForLocale(locale: string | null | undefined): string {
  const { lang, territory } = parts(locale);
  return LAYOUT_OF_LOCALE[`${lang}_${territory}`] ?? LAYOUT_OF_LOCALE[lang] ?? 'us';
}

/** The time zone a locale suggests (`zh_CN.UTF-8` → `Asia/Shanghai`), or undefined when its territory is unknown. */
export function timezoneForLocale(locale: string | null | undefined): string | undefined {
  return ZONE_OF_LOCALE[parts(locale).territory];
}
