// The Debian fixture packed as a three-layer medium (test/fixtures/debian-sysroot/layered.sh), built once
// per fixture and packing script and cached: the copy benchmark's source and the layered boot case.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const SCRIPT = new URL('../fixtures/debian-sysroot/layered.sh', import.meta.url).pathname;
const CACHE = process.env['LIVEKIT_TEST_CACHE'] ?? '/var/cache/livekit-test';

export interface LayeredDebian {
  /** The medium's root (holding livekit/); its sysroot is `debian`. */
  medium: string;
  /** The same tree as one squashfs image. */
  full: string;
}

/** Packs `debianRoot` (test/fixtures/debian-sysroot/build.sh --print-root) unless already cached. */
export async function layeredDebian(debianRoot: string): Promise<LayeredDebian> {
  const key = createHash('sha256').update(readFileSync(SCRIPT)).update(debianRoot).digest('hex').slice(0, 16);
  const dir = join(CACHE, `debian-layered-${key}`);
  if (!existsSync(join(dir, 'done'))) {
    rmSync(dir, { recursive: true, force: true });
    await execa('bash', [SCRIPT, debianRoot, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return { medium: join(dir, 'medium'), full: join(dir, 'full.squashfs') };
}
