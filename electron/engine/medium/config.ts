// livekit/livekit.conf → MediumConfig, without executing the file (the boot module sources it;
// the installer only reads it). Unknown or ambiguous content is refused with file, line, reason.
//
// `base` is implicit, as on AOSC media: aosc-mklive packs the base as `livekit/base.<fs>` apart
// from `layers/`, leaves it out of LAYERS and SYSROOT_LAYERS, and every SYSROOT_DEP_* starts with
// "base"; dracut-livekit-loader always mounts it. So a dependency on `base` is valid without a
// declaration. `LAYERS=("base" ...)` is accepted too (base must then come first), and so is AOSC's
// `SYSROOT_DEP_base=("base")`, which only restates the implicit base sysroot.
// SYSROOT_DEP_*/TEMPLATE_* entries for a sysroot that SYSROOT_LAYERS does not declare are ignored
// with a warning, as AOSC's loader ignores them (its amd64 installer config carries other
// architectures' entries, appended from a shared part).
import type { MediumConfig } from '../../shared/facts.ts';
import { ConfSyntaxError, lexConf, type ConfAssignment, type ConfWord } from './conf-lexer.ts';

export class MediumConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'MediumConfigError';
  }
}

export const BASE_LAYER = 'base';
const FSTYPES = ['squashfs', 'erofs'] as const;
/** Layer and sysroot names become file names, mount paths and (with - → _) Bash identifiers. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The key suffix for a sysroot name: every `-` becomes `_` (`${name//-/_}`, not `${name/-/_}`). */
export function keyOf(name: string): string {
  return name.replace(/-/g, '_');
}

export interface ParsedLivekitConf {
  config: MediumConfig;
  /** What was accepted but ignored, as `file:line: reason`. */
  warnings: string[];
}

export function parseLivekitConf(text: string, file: string): MediumConfig {
  return parseLivekitConfWithWarnings(text, file).config;
}

export function parseLivekitConfWithWarnings(text: string, file: string): ParsedLivekitConf {
  const warnings: string[] = [];
  const fail = (line: number, reason: string): never => {
    throw new MediumConfigError(file, line, reason);
  };

  let statements: ConfAssignment[];
  try {
    statements = lexConf(text);
  } catch (e) {
    if (e instanceof ConfSyntaxError) fail(e.line, e.reason);
    throw e;
  }

  // Pass 1: every assignment once, by name (Bash would let a later one win: we refuse instead).
  const byName = new Map<string, ConfAssignment>();
  for (const st of statements) {
    const prev = byName.get(st.name);
    if (prev) fail(st.line, `${st.name} is already set on line ${prev.line}`);
    const known =
      st.name === 'LAYERS' ||
      st.name === 'SYSROOT_LAYERS' ||
      st.name === 'DEFAULT_BOOT_TARGET' ||
      st.name === 'FSTYPE' ||
      /^SYSROOT_DEP_./.test(st.name) ||
      /^TEMPLATE_./.test(st.name);
    if (!known) fail(st.line, `unknown key ${st.name}`);
    const wantArray = st.name === 'LAYERS' || st.name === 'SYSROOT_LAYERS' || st.name.startsWith('SYSROOT_DEP_');
    if (wantArray && st.kind !== 'array') fail(st.line, `${st.name} must be an array: ${st.name}=(...)`);
    if (!wantArray && st.kind !== 'scalar') fail(st.line, `${st.name} must be a single value, not an array`);
    byName.set(st.name, st);
  }

  const names = (st: ConfAssignment | undefined, what: string): ConfWord[] => {
    const seen = new Map<string, number>();
    for (const w of st?.words ?? []) {
      if (!NAME_RE.test(w.text)) fail(w.line, `invalid ${what} name "${w.text}" in ${st!.name} (letters, digits, - and _)`);
      const first = seen.get(w.text);
      if (first !== undefined) fail(w.line, `duplicate ${what} "${w.text}" in ${st!.name} (first on line ${first})`);
      seen.set(w.text, w.line);
    }
    return st?.words ?? [];
  };

  const layerWords = names(byName.get('LAYERS'), 'layer');
  layerWords.forEach((w, idx) => {
    if (w.text === BASE_LAYER && idx !== 0) fail(w.line, 'base must be the first layer in LAYERS (it is the bottom of every stack)');
  });
  const layers = layerWords.map((w) => w.text);
  const knownLayers = new Set([BASE_LAYER, ...layers]);

  const sysrootWords = names(byName.get('SYSROOT_LAYERS'), 'sysroot');
  const sysroots = sysrootWords.map((w) => w.text);
  // Map key suffixes back to the declared names; two names with one key would share settings.
  const sysrootByKey = new Map<string, string>();
  for (const w of sysrootWords) {
    const other = sysrootByKey.get(keyOf(w.text));
    if (other !== undefined) fail(w.line, `sysroots "${other}" and "${w.text}" collide: both use the key suffix ${keyOf(w.text)}`);
    sysrootByKey.set(keyOf(w.text), w.text);
  }

  /** The declared sysroot a key belongs to; undefined (and a warning) for a stray entry. */
  const sysrootOfKey = (st: ConfAssignment, prefix: string): string | undefined => {
    const suffix = st.name.slice(prefix.length);
    const name = sysrootByKey.get(suffix);
    if (name === undefined) {
      warnings.push(`${file}:${st.line}: ignoring ${st.name}: no sysroot "${suffix}" (or "${suffix.replace(/_/g, '-')}") is declared in SYSROOT_LAYERS`);
    }
    return name;
  };

  const deps: Record<string, string[]> = {};
  const templates: Record<string, string> = {};
  let fstype: MediumConfig['fstype'] = 'squashfs';
  let defaultBootTarget: string | undefined;

  for (const st of statements) {
    if (st.name.startsWith('SYSROOT_DEP_')) {
      const isImplicitBase = st.name === `SYSROOT_DEP_${BASE_LAYER}` && !sysrootByKey.has(BASE_LAYER);
      const name = isImplicitBase ? BASE_LAYER : sysrootOfKey(st, 'SYSROOT_DEP_');
      if (name === undefined) continue;
      const words = names(st, 'layer');
      if (words.length === 0) fail(st.line, `${st.name} is empty: a sysroot needs at least one layer`);
      for (const w of words) {
        if (!knownLayers.has(w.text)) fail(w.line, `${st.name} depends on "${w.text}", which is not declared in LAYERS`);
      }
      if (isImplicitBase && (words.length !== 1 || words[0]!.text !== BASE_LAYER)) {
        fail(st.line, 'SYSROOT_DEP_base may only be ("base") unless base is declared in SYSROOT_LAYERS');
      }
      deps[name] = words.map((w) => w.text);
    } else if (st.name.startsWith('TEMPLATE_')) {
      const name = sysrootOfKey(st, 'TEMPLATE_');
      if (name === undefined) continue;
      const file = st.words[0]!.text;
      if (file === '' || file.includes('/') || file === '.' || file === '..') {
        fail(st.line, `${st.name} must name a file in livekit/templates/, got "${file}"`);
      }
      templates[name] = file;
    } else if (st.name === 'FSTYPE') {
      const v = st.words[0]!.text;
      if (!(FSTYPES as readonly string[]).includes(v)) fail(st.line, `FSTYPE must be squashfs or erofs, got "${v}"`);
      fstype = v as MediumConfig['fstype'];
    } else if (st.name === 'DEFAULT_BOOT_TARGET') {
      const v = st.words[0]!.text;
      if (v !== '') {
        // base is always a sysroot (the loader composes it whether listed or not).
        if (!sysroots.includes(v) && v !== BASE_LAYER) fail(st.line, `DEFAULT_BOOT_TARGET "${v}" is not a sysroot in SYSROOT_LAYERS`);
        defaultBootTarget = v;
      }
    }
  }

  for (const w of sysrootWords) {
    if (!deps[w.text]) fail(w.line, `sysroot "${w.text}" has no SYSROOT_DEP_${keyOf(w.text)}=(...)`);
  }

  const config: MediumConfig = { layers, sysroots, deps, templates, fstype };
  if (defaultBootTarget !== undefined) config.defaultBootTarget = defaultBootTarget;
  return { config, warnings };
}
