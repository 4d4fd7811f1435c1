// livekit/sysroots.json: per-sysroot metadata the build measured and translated.
// Shape: `{ "<sysroot>": SysrootMeta, ... }`, or the same map under a `sysroots` key
// (optionally beside `"version": 1`). Unknown fields are ignored so newer media still load.
import { z } from 'zod';
import type { SysrootMeta, Translated } from '../../shared/facts.ts';
import { languageOf } from '../i18n.ts';

const translated = z.record(z.string(), z.string());
const count = z.number().int().nonnegative();

export const sysrootMetaSchema = z.object({
  title: translated.optional(),
  description: translated.optional(),
  size: count.optional(),
  inodes: count.optional(),
  installable: z.boolean().optional(),
  hints: z
    .object({
      gpu: z.enum(['nvidia', 'amd', 'intel']).optional(),
      arch: z.string().min(1).optional(),
    })
    .optional(),
});

const metaMap = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'not a valid sysroot name'), sysrootMetaSchema);
const wrapped = z.strictObject({ version: z.literal(1).optional(), sysroots: metaMap });

/** The wrapped form has only `sysroots` (and `version`) at the top level. */
function isWrapped(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const keys = Object.keys(raw);
  return keys.includes('sysroots') && keys.every((k) => k === 'sysroots' || k === 'version');
}

export class SysrootsJsonError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'SysrootsJsonError';
  }
}

export function parseSysrootsJson(text: string, file: string): Record<string, SysrootMeta> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SysrootsJsonError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const parsed = isWrapped(raw) ? wrapped.safeParse(raw) : metaMap.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // A bad map key carries its reason one level down.
    const reason = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    throw new SysrootsJsonError(file, `${issue.path.join('.') || '(top level)'}: ${reason}`);
  }
  return 'sysroots' in parsed.data && isWrapped(raw)
    ? (parsed.data as { sysroots: Record<string, SysrootMeta> }).sysroots
    : (parsed.data as Record<string, SysrootMeta>);
}

/** Keys to try for a language, best first: zh_TW → zh_CN → en, zh_CN → zh_TW → en, en. */
export function translationKeys(lang: string): string[] {
  const lng = languageOf(lang);
  const chain = lng === 'zh-TW' ? ['zh-TW', 'zh-CN', 'en'] : lng === 'zh-CN' ? ['zh-CN', 'zh-TW', 'en'] : ['en'];
  return chain.flatMap((l) => (l === 'en' ? ['en', 'en_US', 'en-US'] : [l.replace('-', '_'), l]));
}

/** The text for `lang` with fallbacks; else any translation; else undefined. */
export function pickTranslation(t: Translated | undefined, lang: string): string | undefined {
  if (!t) return undefined;
  for (const k of translationKeys(lang)) if (t[k] !== undefined) return t[k];
  return Object.values(t)[0];
}
