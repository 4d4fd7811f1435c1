// The sysroots on offer: directories under the sysroots dir, described by the medium's config and
// sysroots.json when present, otherwise by what their files say.
import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineFacts, SysrootInfo, SysrootMeta } from '../../shared/facts.ts';
import { readMediumIfPresent, type Medium } from './medium.ts';
import { measureTree } from './measure.ts';
import { readOsRelease } from './os-release.ts';
import { pickTranslation } from './sysroots-json.ts';
import { detectTools } from './tools.ts';

export const DEFAULT_SYSROOTS_DIRS = ['/sysroots', '/run/livekit/sysroots'];
export const DEFAULT_MEDIUM_DIR = '/run/livekit/medium';
/** Where the medium is mounted: ours, then AOSC's loader's (which DeployKit also reads). */
export const DEFAULT_MEDIUM_DIRS = [DEFAULT_MEDIUM_DIR, '/run/livekit/livemnt'];

/** The first default medium dir holding livekit/livekit.conf; else ours. */
export function defaultMediumDir(exists: (path: string) => boolean = existsSync): string {
  return DEFAULT_MEDIUM_DIRS.find((d) => exists(join(d, 'livekit', 'livekit.conf'))) ?? DEFAULT_MEDIUM_DIR;
}

/**
 * Live-only sysroots, when sysroots.json does not say: `livekit` and its variants
 * (AOSC's installer likewise leaves out every sysroot whose name contains "livekit").
 */
export function isLiveOnlyName(name: string): boolean {
  return name.includes('livekit');
}

/** NVIDIA GPU → the nvidia-hinted sysroots; LoongArch → the loongarch64-hinted ones (LATX). */
export function isRecommended(meta: SysrootMeta | undefined, machine: Pick<MachineFacts, 'arch' | 'gpuVendors'>): boolean {
  const hints = meta?.hints ?? {};
  if (hints.gpu !== undefined && machine.gpuVendors.map((v) => v.toLowerCase()).includes(hints.gpu)) return true;
  if (hints.arch === 'loongarch64' && machine.arch === 'loong64') return true;
  return false;
}

function defaultSysrootsDir(): string {
  for (const d of DEFAULT_SYSROOTS_DIRS) {
    if (existsSync(d) && statSync(d).isDirectory()) return d;
  }
  return DEFAULT_SYSROOTS_DIRS[0]!;
}

async function describe(
  name: string,
  path: string,
  medium: Medium | undefined,
  lang: string,
  machine: Pick<MachineFacts, 'arch' | 'gpuVendors'>,
): Promise<SysrootInfo> {
  const meta = medium?.meta[name];
  const [osRelease, tools] = await Promise.all([readOsRelease(path), detectTools(path)]);
  const fromJson = meta?.size !== undefined && meta.inodes !== undefined;
  const size = fromJson ? { bytes: meta.size!, inodes: meta.inodes! } : await measureTree(path);
  const installable = meta?.installable ?? !isLiveOnlyName(name);
  return {
    name,
    path,
    title: pickTranslation(meta?.title, lang) ?? osRelease.PRETTY_NAME ?? name,
    description: pickTranslation(meta?.description, lang) ?? '',
    sizeBytes: size.bytes,
    inodes: size.inodes,
    measured: fromJson,
    installable,
    hints: meta?.hints ?? {},
    // base without SYSROOT_DEP_base (AOSC's form) is the base layer alone.
    layers: medium?.config.deps[name] ?? (medium && name === 'base' ? ['base'] : []),
    osRelease,
    tools,
    recommended: installable && isRecommended(meta, machine),
  };
}

/**
 * Lists the sysroot directories, in the medium's declaration order and then by name.
 * Without a medium config (no livekit.conf) they are listed from the directories alone.
 */
export async function listSysroots(opts: {
  sysrootsDir?: string;
  mediumDir?: string;
  lang: string;
  machine: Pick<MachineFacts, 'arch' | 'gpuVendors'>;
  /** Where accepted-but-ignored medium content is reported (default: stderr). */
  onWarning?: (warning: string) => void;
}): Promise<SysrootInfo[]> {
  const dir = opts.sysrootsDir ?? defaultSysrootsDir();
  const medium = await readMediumIfPresent(opts.mediumDir ?? defaultMediumDir());
  const warn = opts.onWarning ?? ((w: string) => process.stderr.write(`livekit: warning: ${w}\n`));
  for (const w of medium?.warnings ?? []) warn(w);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names: string[] = [];
  for (const n of entries) {
    // Follows a symlinked entry on the host on purpose: /sysroots itself is such a link.
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st?.isDirectory()) names.push(n);
  }
  const order = medium?.config.sysroots ?? [];
  const rank = (n: string): number => (n === 'base' ? -1 : order.includes(n) ? order.indexOf(n) : order.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Promise.all(names.map((n) => describe(n, join(dir, n), medium, opts.lang, opts.machine)));
}
