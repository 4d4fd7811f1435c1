// AOSC OS media carry no sysroots.json: their installer (DeployKit) reads titles, descriptions and
// sizes from manifest/recipe.json (the variants) and manifest/recipe-i18n.json (per language, the
// texts the variants' `name-tr`/`description-tr` keys name). This maps the two onto SysrootMeta.
// A variant's sysroot is its `dir-name`, else the last part of its squashfs `path`
// (/run/livekit/sysroots/<name>). Unknown fields are ignored, as DeployKit does.
import { z } from 'zod';
import type { SysrootMeta, Translated } from '../../shared/facts.ts';

const sysrootName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const squashfsEntry = z.looseObject({
  arch: z.string().optional(),
  instSize: z.number().int().nonnegative().optional(),
  inodes: z.number().int().nonnegative().optional(),
  path: z.string().optional(),
});

const variant = z.looseObject({
  name: z.string(),
  'name-tr': z.string().optional(),
  description: z.string().optional(),
  'description-tr': z.string().optional(),
  'dir-name': z.string().optional(),
  squashfs: z.array(squashfsEntry).optional(),
});

const recipeSchema = z.looseObject({ variants: z.array(variant) });
const i18nSchema = z.record(z.string(), z.record(z.string(), z.string()));

export class AoscRecipeError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'AoscRecipeError';
  }
}

function parseJson<T>(text: string, file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AoscRecipeError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AoscRecipeError(file, `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The sysroot a variant describes, or undefined when neither dir-name nor path names one. */
function sysrootOf(v: z.infer<typeof variant>): string | undefined {
  const candidates = [v['dir-name'], ...(v.squashfs ?? []).map((s) => s.path?.replace(/\/+$/, '').split('/').pop())];
  return candidates.find((c): c is string => c !== undefined && sysrootName.test(c));
}

/** The variant's text in every language of the catalogue, English falling back to `fallback`. */
function translated(key: string | undefined, fallback: string | undefined, i18n: Record<string, Record<string, string>>): Translated | undefined {
  const out: Translated = {};
  for (const [lang, texts] of Object.entries(i18n)) {
    const t = key === undefined ? undefined : texts[key];
    if (t !== undefined && t.trim() !== '') out[lang] = t;
  }
  if (out['en'] === undefined && fallback !== undefined && fallback !== '') out['en'] = fallback;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * SysrootMeta per sysroot from recipe.json and (optional) recipe-i18n.json. `arch` (Debian's name,
 * e.g. amd64) picks the squashfs entry giving size and inodes; without a match, the first entry.
 */
export function parseAoscRecipe(
  recipeText: string,
  recipeFile: string,
  i18nText: string | undefined,
  i18nFile: string,
  arch?: string,
): Record<string, SysrootMeta> {
  const recipe = parseJson(recipeText, recipeFile, recipeSchema);
  const i18n = i18nText === undefined ? {} : parseJson(i18nText, i18nFile, i18nSchema);
  const meta: Record<string, SysrootMeta> = {};
  for (const v of recipe.variants) {
    const name = sysrootOf(v);
    if (name === undefined) continue;
    const entries = v.squashfs ?? [];
    const entry = entries.find((e) => arch !== undefined && e.arch === arch) ?? entries[0];
    const m: SysrootMeta = {};
    const title = translated(v['name-tr'], v.name, i18n);
    const description = translated(v['description-tr'], v.description, i18n);
    if (title) m.title = title;
    if (description) m.description = description;
    if (entry?.instSize !== undefined && entry.inodes !== undefined) {
      m.size = entry.instSize;
      m.inodes = entry.inodes;
    }
    meta[name] = m;
  }
  return meta;
}
