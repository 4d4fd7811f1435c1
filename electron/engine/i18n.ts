// The engine's own translations (CLI messages, plan labels, validation problems, refusals),
// from the same `locales/<lng>/<namespace>.json` files the UI uses.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18n } from 'i18next';

export const LOCALES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'locales');
import { LANGUAGES, type Language } from '../shared/language.ts';
export { LANGUAGES, languageOf, type Language } from '../shared/language.ts';

function loadResources(): Record<string, Record<string, unknown>> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const lng of LANGUAGES) {
    const dir = join(LOCALES_DIR, lng);
    resources[lng] = {};
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      resources[lng]![f.slice(0, -5)] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    }
  }
  return resources;
}

let instance: I18n | undefined;

/** A translator for the engine; namespaced keys are written `ns:key`. */
export function engineI18n(lng: Language = 'en'): I18n {
  if (!instance) {
    instance = i18next.createInstance();
    void instance.init({
      initAsync: false,
      resources: loadResources() as never,
      lng,
      fallbackLng: 'en',
      defaultNS: 'engine',
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  }
  if (instance.language !== lng) void instance.changeLanguage(lng);
  return instance;
}

/** A translator fixed to one language, leaving the engine's current language alone (English logs). */
export function fixedT(lng: Language): I18n['t'] {
  return engineI18n().getFixedT(lng) as I18n['t'];
}
