// The test fixture medium (test/fixtures/sysroot/build.sh), built once per recipe and cached, and its
// sysroots composed from real squashfs layers with overlay mounts that are always released.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cachedBuild, testCacheDir } from './cache.ts';
import { join } from 'node:path';
import { execa } from 'execa';

export const FIXTURE_DIR = new URL('../fixtures/sysroot/', import.meta.url).pathname;

function recipeHash(extra: string): string {
  const h = createHash('sha256');
  for (const f of ['build.sh']) h.update(readFileSync(join(FIXTURE_DIR, f)));
  h.update(extra);
  return h.digest('hex').slice(0, 16);
}

/** Builds (or reuses) the fixture medium; returns the medium directory (holding livekit/). */
export async function fixtureMedium(opts: { big?: number } = {}): Promise<string> {
  const dir = join(testCacheDir(), `fixture-${recipeHash(`big=${opts.big ?? 0}`)}`);
  await cachedBuild(dir, ['bash', join(FIXTURE_DIR, 'build.sh'), ...(opts.big ? ['--big', String(opts.big)] : [])]);
  return join(dir, 'medium');
}

export interface Composed {
  medium: string;
  /** Holds one read-only directory per sysroot (`base`, `desktop`). */
  sysroots: string;
  release(): Promise<void>;
}

/** Mounts the medium's layers and composes its sysroots under a fresh temp dir. */
export async function composeFixture(medium: string): Promise<Composed> {
  const run = mkdtempSync('/tmp/lk-run-');
  const compose = new URL('../../scripts/compose-sysroots.sh', import.meta.url).pathname;
  const release = async () => {
    await execa('bash', [compose, 'umount', run]);
    rmSync(run, { recursive: true, force: true });
  };
  try {
    await execa('bash', [compose, 'mount', medium, run]);
  } catch (e) {
    await release();
    throw e;
  }
  return { medium, sysroots: join(run, 'sysroots'), release };
}
