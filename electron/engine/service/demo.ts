// `livekit serve --demo`: the project's real fixture medium (test/fixtures/sysroot/build.sh: squashfs
// layers composed with overlay mounts, real useradd/chpasswd inside) plus sparse disk image files that
// are the only targets offered, so a demo install writes only to those images. Needs root.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Copier, CopyRequest } from '../run/copier.ts';

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'sysroot');

export interface Demo {
  dir: string;
  mediumDir: string;
  sysrootsDir: string;
  /** Image files offered as targets: two good ones, a flaky one whose first copy fails, a too-small one. */
  images: string[];
  flakyImage: string;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;
export const DEMO_IMAGES: [name: string, mib: number][] = [
  ['demo-disk-a.img', 3072],
  ['demo-disk-b.img', 6144],
  ['demo-flaky.img', 3072],
  ['demo-tiny.img', 64],
];

export async function prepareDemo(): Promise<Demo> {
  if (process.getuid?.() !== 0) throw new Error('--demo needs root: it mounts the demo medium and installs into loop-attached images');
  const dir = mkdtempSync(join(tmpdir(), 'livekit-demo-'));
  const run = join(dir, 'run');
  const cleanup = async () => {
    await execa('bash', [join(FIXTURE, 'compose.sh'), 'umount', run], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await execa('bash', [join(FIXTURE, 'build.sh'), join(dir, 'fixture')]);
    await execa('bash', [join(FIXTURE, 'compose.sh'), 'mount', join(dir, 'fixture', 'medium'), run]);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const images = DEMO_IMAGES.map(([name, mib]) => {
    const p = join(dir, name);
    writeFileSync(p, '');
    truncateSync(p, mib * MiB);
    return p;
  });
  return { dir, mediumDir: join(dir, 'fixture', 'medium'), sysrootsDir: join(run, 'sysroots'), images, flakyImage: images[2]!, cleanup };
}

/** The flaky target: its first copy fails partway, the way a failing disk would; later ones pass. */
export class FailOnceCopier implements Copier {
  private failed = false;
  constructor(private inner: Copier) {}
  async copy(req: CopyRequest): Promise<void> {
    if (this.failed) return this.inner.copy(req);
    this.failed = true;
    const partial = new AbortController();
    const onAbort = () => partial.abort();
    req.signal?.addEventListener('abort', onAbort);
    let seen = false;
    await this.inner
      .copy({
        ...req,
        signal: partial.signal,
        onProgress: (p) => {
          req.onProgress(p);
          if (!seen) {
            seen = true;
            partial.abort();
          }
        },
      })
      .catch(() => undefined);
    req.signal?.removeEventListener('abort', onAbort);
    if (req.signal?.aborted) throw new Error('cancelled');
    throw new Error('write error on the target disk: Input/output error (demo: this disk fails its first copy)');
  }
}
