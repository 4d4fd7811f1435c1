// Answers → checked Answers with defaults, or every problem found, each naming its key path,
// an i18n code (namespace `validation`) with params, and the English message.
import { statSync } from 'node:fs';
import type { z } from 'zod';
import type { SysrootInfo } from '../../shared/facts.ts';
import { resolveInRootSync } from '../medium/in-root.ts';
import { DEFAULT_LOCALE, isValidLocale, localeFromCmdline } from './locale.ts';
import { englishMessage } from './messages.ts';
import {
  checkPassphrase,
  checkFullname,
  checkHostname,
  checkPassword,
  checkPasswordHash,
  checkPasswordPairing,
  checkSwap,
  checkUserName,
  isKnownTimezone,
  type Finding,
} from './rules.ts';
import { answersSchema, type Answers } from '../../shared/answers.ts';
import { KEYBOARD_LAYOUTS, layoutForLocale, timezoneForLocale, XKB_NAME_RE } from '../../shared/keyboard.ts';

import type { Problem } from '../../shared/problem.ts';
export type { Problem } from '../../shared/problem.ts';

export type ValidationResult = { ok: true; answers: Answers } | { ok: false; problems: Problem[] };

function problem(path: string, f: Finding): Problem {
  return { path, code: f.code, ...(f.params ? { params: f.params } : {}), message: englishMessage(f.code, f.params) };
}

/** The raw value at a zod issue path (zod 4 leaves the input out of its issues). */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** zod issues → problems; an unknown key is reported at its own path. */
function schemaProblems(issues: z.core.$ZodIssue[], raw: unknown): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const at = joinPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(problem(joinPath([...issue.path, key]), { code: 'schema.unknown-key', params: { key } }));
        break;
      case 'invalid_type':
        out.push(
          problem(at, valueAt(raw, issue.path) === undefined ? { code: 'schema.required' } : { code: 'schema.type', params: { expected: issue.expected } }),
        );
        break;
      case 'invalid_value':
        out.push(problem(at, { code: 'schema.value', params: { allowed: issue.values.map((v) => String(v)).join(', ') } }));
        break;
      case 'too_small':
        out.push(problem(at, { code: 'schema.empty' }));
        break;
      default:
        out.push(problem(at, { code: 'schema.invalid', params: { detail: issue.message } }));
    }
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: unknown, k: string): string | undefined => (isObj(o) && typeof o[k] === 'string' ? (o[k] as string) : undefined);

/** Does the variant's own zoneinfo have this zone? undefined when the variant has no zoneinfo. */
function variantZoneLookup(sysroot: SysrootInfo | undefined): ((tz: string) => boolean | undefined) | undefined {
  if (!sysroot) return undefined;
  const dir = resolveInRootSync(sysroot.path, 'usr/share/zoneinfo');
  if (dir === undefined) return undefined;
  return (tz) => {
    const file = resolveInRootSync(sysroot.path, `usr/share/zoneinfo/${tz}`);
    return file !== undefined && statSync(file).isFile();
  };
}

/** Does the variant's XKB data have this layout? undefined when the variant has no XKB data. */
function variantXkbLookup(sysroot: SysrootInfo | undefined): ((layout: string) => boolean | undefined) | undefined {
  if (!sysroot || resolveInRootSync(sysroot.path, 'usr/share/X11/xkb/symbols') === undefined) return undefined;
  return (layout) => resolveInRootSync(sysroot.path, `usr/share/X11/xkb/symbols/${layout}`) !== undefined;
}

/** A layout the variant's XKB data has, else one of the installer's own list. */
function checkKeyboardLayout(layout: string, inVariant?: (layout: string) => boolean | undefined): Finding[] {
  if (!XKB_NAME_RE.test(layout)) return [{ code: 'keyboard.layout-unknown', params: { layout, examples: 'us, cn, de, fr' } }];
  const known = inVariant?.(layout) ?? (KEYBOARD_LAYOUTS as readonly string[]).includes(layout);
  return known ? [] : [{ code: 'keyboard.layout-unknown', params: { layout, examples: 'us, cn, de, fr' } }];
}

/** Meaning checks, run on the raw input so that they report alongside any shape problems. */
function semanticProblems(raw: unknown, ctx: { sysroots: SysrootInfo[] }): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, findings: Finding[]): void => {
    for (const f of findings) out.push(problem(path, f));
  };
  if (!isObj(raw)) return out;

  const variant = str(raw, 'variant');
  const installable = ctx.sysroots.filter((s) => s.installable).map((s) => s.name);
  const listed = installable.length > 0 ? installable.join(', ') : '(none)';
  const sysroot = ctx.sysroots.find((s) => s.name === variant);
  if (variant !== undefined && variant !== '') {
    if (!sysroot) add('variant', [{ code: 'variant.unknown', params: { variant, installable: listed } }]);
    else if (!sysroot.installable) add('variant', [{ code: 'variant.not-installable', params: { variant, installable: listed } }]);
  }

  const target = raw.target;
  if (isObj(target)) {
    const hasDisk = target.disk !== undefined;
    const hasParts = target.partitions !== undefined;
    if (!hasDisk && !hasParts) add('target', [{ code: 'target.disk-or-partitions' }]);
    if (hasDisk && hasParts) add('target', [{ code: 'target.disk-and-partitions' }]);
    const layout = str(target, 'layout');
    if (hasParts && layout !== undefined && layout !== 'auto') {
      add('target.layout', [{ code: 'target.layout-with-partitions', params: { layout } }]);
    }
    for (const role of ['root', 'efi']) {
      const dev = str(target.partitions, role);
      if (dev !== undefined && dev !== '' && !dev.startsWith('/')) {
        add(`target.partitions.${role}`, [{ code: 'target.not-absolute', params: { value: dev } }]);
      }
    }
    const swap = str(target, 'swap');
    if (swap !== undefined) add('target.swap', checkSwap(swap));
  }

  const hostname = str(raw, 'hostname');
  if (hostname !== undefined) add('hostname', checkHostname(hostname));

  const locale = str(raw, 'locale');
  if (locale !== undefined && !isValidLocale(locale)) add('locale', [{ code: 'locale.format', params: { locale } }]);

  const timezone = str(raw, 'timezone');
  if (timezone !== undefined && !isKnownTimezone(timezone, variantZoneLookup(sysroot))) {
    add('timezone', [{ code: 'timezone.unknown', params: { timezone } }]);
  }

  const keyboard = raw.keyboard;
  if (isObj(keyboard)) {
    const layout = str(keyboard, 'layout');
    if (layout !== undefined && layout !== '') add('keyboard.layout', checkKeyboardLayout(layout, variantXkbLookup(sysroot)));
    const kv = str(keyboard, 'variant');
    if (kv !== undefined && kv !== '' && !XKB_NAME_RE.test(kv)) add('keyboard.variant', [{ code: 'keyboard.variant-format', params: { variant: kv } }]);
  }

  const root = raw.root;
  if (isObj(root)) {
    if (root.password !== undefined && root['password-hash'] !== undefined) add('root', [{ code: 'user.password-and-hash' }]);
    const rpw = str(root, 'password');
    if (rpw !== undefined) add('root.password', checkPassword(rpw));
    const rhash = str(root, 'password-hash');
    if (rhash !== undefined) add('root.password-hash', checkPasswordHash(rhash));
  }

  const enc = raw.encryption;
  if (isObj(enc)) {
    const given = typeof enc.passphrase === 'string';
    const file = str(enc, 'passphrase-file');
    if (given && file !== undefined) add('encryption', [{ code: 'encryption.passphrase-and-file' }]);
    // null: an exported answer file, where a person (or QA) fills in the passphrase.
    if (!given && file === undefined) add('encryption.passphrase', [{ code: 'encryption.passphrase-missing' }]);
    if (given) add('encryption.passphrase', checkPassphrase(enc.passphrase as string));
  }

  const user = raw.user;
  if (isObj(user)) {
    const name = str(user, 'name');
    if (name !== undefined) add('user.name', checkUserName(name, sysroot?.tools.existingUsers ?? [], sysroot?.name));
    const fullname = str(user, 'fullname');
    if (fullname !== undefined) add('user.fullname', checkFullname(fullname));
    add('user', checkPasswordPairing(user.password !== undefined, user['password-hash'] !== undefined));
    const pw = str(user, 'password');
    if (pw !== undefined) add('user.password', checkPassword(pw));
    const hash = str(user, 'password-hash');
    if (hash !== undefined) add('user.password-hash', checkPasswordHash(hash));
  }
  return out;
}

/** One problem per path and code (the schema and the rules may both see an empty value). */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function validateAnswers(raw: unknown, ctx: { sysroots: SysrootInfo[]; cmdline: string }): ValidationResult {
  const parsed = answersSchema.safeParse(raw);
  const problems = dedupe([...(parsed.success ? [] : schemaProblems(parsed.error.issues, raw)), ...semanticProblems(raw, ctx)]);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const locale = parsed.data.locale ?? localeFromCmdline(ctx.cmdline) ?? DEFAULT_LOCALE;
  const givenZone = isObj(raw) && raw.timezone !== undefined;
  const answers: Answers = {
    ...parsed.data,
    locale,
    timezone: givenZone ? parsed.data.timezone : (timezoneForLocale(locale) ?? parsed.data.timezone),
    keyboard: parsed.data.keyboard ?? { layout: layoutForLocale(locale) },
  };
  return { ok: true, answers };
}
