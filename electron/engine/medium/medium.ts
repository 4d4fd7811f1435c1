// The medium as the installer sees it: its parsed config and its optional sysroots.json.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediumConfig, SysrootMeta } from '../facts.ts';
import { parseLivekitConf } from './config.ts';
import { parseSysrootsJson } from './sysroots-json.ts';

export interface Medium {
  dir: string;
  config: MediumConfig;
  meta: Record<string, SysrootMeta>;
}

export const CONF_PATH = join('livekit', 'livekit.conf');
export const SYSROOTS_JSON_PATH = join('livekit', 'sysroots.json');

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Reads `<dir>/livekit/livekit.conf` (required) and `<dir>/livekit/sysroots.json` (optional). */
export async function readMedium(mediumDir: string): Promise<Medium> {
  const confFile = join(mediumDir, CONF_PATH);
  const config = parseLivekitConf(await readFile(confFile, 'utf8'), confFile);
  const jsonFile = join(mediumDir, SYSROOTS_JSON_PATH);
  const json = await readOptional(jsonFile);
  const meta = json === undefined ? {} : parseSysrootsJson(json, jsonFile);
  return { dir: mediumDir, config, meta };
}

/** readMedium, or undefined when the directory holds no livekit.conf (a config error still throws). */
export async function readMediumIfPresent(mediumDir: string): Promise<Medium | undefined> {
  if ((await readOptional(join(mediumDir, CONF_PATH))) === undefined) return undefined;
  return readMedium(mediumDir);
}
