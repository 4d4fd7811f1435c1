// The medium as the installer sees it: its parsed config and its titles and sizes — from
// livekit/sysroots.json, else (AOSC OS media) from manifest/recipe.json + manifest/recipe-i18n.json.
import { join } from 'node:path';
import type { MediumConfig, SysrootMeta } from '../../shared/facts.ts';
import { InputFileError, readInputFile } from '../input-file.ts';
import { parseAoscRecipe } from './aosc-recipe.ts';
import { MediumConfigError, parseLivekitConfWithWarnings } from './config.ts';
import { parseSysrootsJson } from './sysroots-json.ts';

export interface Medium {
  dir: string;
  config: MediumConfig;
  meta: Record<string, SysrootMeta>;
  /** Accepted but ignored content (stray config entries), as `file:line: reason`. */
  warnings: string[];
}

export const CONF_PATH = join('livekit', 'livekit.conf');
export const SYSROOTS_JSON_PATH = join('livekit', 'sysroots.json');
export const RECIPE_JSON_PATH = join('manifest', 'recipe.json');
export const RECIPE_I18N_JSON_PATH = join('manifest', 'recipe-i18n.json');

/** Node's architecture name → Debian's (and AOSC's), as recipe.json's `arch` uses. */
const DEBIAN_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', loong64: 'loongarch64', ppc64: 'ppc64el', riscv64: 'riscv64', ia32: 'i386' };

/** A file of the medium (--medium is a path a person gives: a FIFO or /dev/zero there is refused, not read). */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return (await readInputFile(path)).toString('utf8');
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    if (e.code === 'missing') return undefined;
    throw new MediumConfigError(path, 0, e.reason);
  }
}

async function readMeta(mediumDir: string): Promise<Record<string, SysrootMeta>> {
  const jsonFile = join(mediumDir, SYSROOTS_JSON_PATH);
  const json = await readOptional(jsonFile);
  if (json !== undefined) return parseSysrootsJson(json, jsonFile);
  const recipeFile = join(mediumDir, RECIPE_JSON_PATH);
  const recipe = await readOptional(recipeFile);
  if (recipe === undefined) return {};
  const i18nFile = join(mediumDir, RECIPE_I18N_JSON_PATH);
  return parseAoscRecipe(recipe, recipeFile, await readOptional(i18nFile), i18nFile, DEBIAN_ARCH[process.arch]);
}

/** Reads `<dir>/livekit/livekit.conf` (required) and the optional metadata beside it. */
export async function readMedium(mediumDir: string): Promise<Medium> {
  const confFile = join(mediumDir, CONF_PATH);
  const text = await readOptional(confFile);
  if (text === undefined) throw new MediumConfigError(confFile, 0, 'no such file');
  const { config, warnings } = parseLivekitConfWithWarnings(text, confFile);
  return { dir: mediumDir, config, meta: await readMeta(mediumDir), warnings };
}

/** readMedium, or undefined when the directory holds no livekit.conf (a config error still throws). */
export async function readMediumIfPresent(mediumDir: string): Promise<Medium | undefined> {
  if ((await readOptional(join(mediumDir, CONF_PATH))) === undefined) return undefined;
  return readMedium(mediumDir);
}
