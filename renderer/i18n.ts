// react-i18next over the same locales/<lng>/<namespace>.json files the engine uses (app, validation, plan, ...).
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

import { LANGUAGES } from '../electron/shared/language.ts';
export { LANGUAGES, languageOf } from '../electron/shared/language.ts';
/** Each language named in itself, as the language page and the header show it. */
export const NATIVE_NAMES: Record<string, string> = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' };

const files = import.meta.glob('../locales/*/*.json', { eager: true, import: 'default' }) as Record<string, Record<string, unknown>>;

export function bundledResources(): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [path, data] of Object.entries(files)) {
    const m = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (!m || !(LANGUAGES as readonly string[]).includes(m[1]!)) continue;
    (out[m[1]!] ??= {})[m[2]!] = data;
  }
  return out;
}

export function initI18n(lng = 'en') {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    initAsync: false,
    resources: bundledResources(),
    lng,
    fallbackLng: 'en',
    ns: ['app', 'validation', 'plan', 'cli', 'repair'],
    defaultNS: 'app',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}
