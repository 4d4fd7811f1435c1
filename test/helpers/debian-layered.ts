// The Debian fixture packed as a three-layer medium (test/fixtures/debian-sysroot/layered.sh), built once
// per fixture and packing script and cached (once, under a lock: cache_build): the copy benchmark's source and the layered boot case.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBuild, testCacheDir } from './cache.ts';

const SCRIPT = new URL('../fixtures/debian-sysroot/layered.sh', import.meta.url).pathname;

export interface LayeredDebian {
  /** The medium's root (holding livekit/); its sysroot is `debian`. */
  medium: string;
  /** The same tree as one squashfs image. */
  full: string;
}

/** Packs `debianRoot` (test/fixtures/debian-sysroot/build.sh --print-root) unless already cached. */
export async function layeredDebian(debianRoot: string): Promise<LayeredDebian> {
  const key = createHash('sha256').update(readFileSync(SCRIPT)).update(debianRoot).digest('hex').slice(0, 16);
  const dir = join(testCacheDir(), `debian-layered-${key}`);
  await cachedBuild(dir, ['bash', SCRIPT, debianRoot]);
  return { medium: join(dir, 'medium'), full: join(dir, 'full.squashfs') };
}
