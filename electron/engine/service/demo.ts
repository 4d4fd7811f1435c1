// `livekit serve --demo`: a real medium built by the build module (scripts/mklive, recipe `tiny`: squashfs
// layers composed with overlay mounts by scripts/compose-sysroots.sh, real useradd/chpasswd inside; the
// one writer of livekit.conf and sysroots.json) plus sparse disk image files that
// are the only targets offered, so a demo install writes only to those images: four blank ones, and
// one already partitioned (BIOS boot, ESP, an old root) attached to a loop device, for installing into
// existing partitions; and one holding a system the engine installed there at start (the tiny `server`
// variant, user `demo`), attached too, that the wizard's "Repair an installed system" finds; and a copy of
// that system inside a LUKS2 container (demo-encrypted.ts), listed locked, for the repair path's Unlock. Needs root.
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Copier, CopyRequest } from '../run/copier.ts';
import { CodedError } from '../run/coded-error.ts';
import { prepareInstall, runInstall } from '../app/install.ts';
import { prepareEncrypted } from './demo-encrypted.ts';

const SCRIPTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts');
const COMPOSE = join(SCRIPTS, 'compose-sysroots.sh');

export interface Demo {
  dir: string;
  mediumDir: string;
  sysrootsDir: string;
  /** Image files offered as targets: two good ones, a flaky one whose first copy fails, a too-small one. */
  images: string[];
  flakyImage: string;
  /** A slow target: its first copy waits a while before copying (time to try Cancel), as a slow USB stick would. */
  slowImage: string;
  /** The partitioned image's loop device (/dev/loopN, partitions /dev/loopNp1..3): a disk the demo offers. */
  partitionedDisk: string;
  /** The loop device of the image holding an installed system (the repairs' demo target). */
  installedDisk: string;
  installedImage: string;
  /** The loop device of the image holding the same system encrypted (root in LUKS2 on p3). */
  encryptedDisk: string;
  encryptedImage: string;
  /** The container holds the system (this kernel could open it to fill it); else it is empty. */
  encryptedFilled: boolean;
  cleanup(): Promise<void>;
}

/** The partitioned demo disk: GPT with a BIOS boot partition (GRUB on BIOS), an ESP and an old root. */
export const DEMO_PARTITIONED: { name: string; mib: number; table: string } = {
  name: 'demo-partitioned.img',
  mib: 4096,
  table: [
    'label: gpt',
    'size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"',
    'size=256MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"',
    'type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="old-root"',
  ].join('\n'),
};

/** Attaches an image with partition nodes (no udev here: partx makes them). */
async function attachPartitioned(image: string): Promise<string> {
  const loop = (await execa('losetup', ['--find', '--show', '--partscan', image])).stdout.trim();
  await execa('partx', ['-u', loop], { reject: false });
  await execa('partx', ['-a', loop], { reject: false });
  return loop;
}

/** Makes the partitioned demo image and attaches it; returns its loop device. */
async function preparePartitioned(dir: string): Promise<string> {
  const image = sparseFile(join(dir, DEMO_PARTITIONED.name), DEMO_PARTITIONED.mib);
  await execa('sfdisk', ['--quiet', image], { input: DEMO_PARTITIONED.table });
  const loop = await attachPartitioned(image);
  try {
    await execa('mkfs.vfat', ['-F', '32', '-n', 'DEMO-ESP', `${loop}p2`]);
    // The old root holds an os-release, so the disk page shows the system a person would lose.
    const old = join(dir, 'old-root');
    mkdirSync(join(old, 'etc'), { recursive: true });
    writeFileSync(join(old, 'etc', 'os-release'), 'NAME="Old Linux"\nVERSION="1.0"\nPRETTY_NAME="Old Linux 1.0"\n');
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'old-root', '-d', old, `${loop}p3`]);
  } catch (e) {
    await detach(loop);
    throw e;
  }
  return loop;
}

async function detach(loop: string): Promise<void> {
  await execa('partx', ['-d', loop], { reject: false });
  await execa('losetup', ['-d', loop], { reject: false });
}

/** The system the demo installs for the repairs: who logs in, with which password before a reset. */
export const DEMO_INSTALLED = { name: 'demo-installed.img', mib: 512, variant: 'server', user: 'demo', password: 'old-demo-password', hostname: 'demo-pc' };

/**
 * Installs the tiny medium's variant into a new image with the engine itself (nothing here knows how),
 * then attaches it with its partitions, so the maintenance tools find an installed system on a disk.
 */
async function prepareInstalled(dir: string, mediumDir: string, sysrootsDir: string): Promise<{ image: string; loop: string }> {
  const image = sparseFile(join(dir, DEMO_INSTALLED.name), DEMO_INSTALLED.mib);
  const answers = {
    version: 1,
    variant: DEMO_INSTALLED.variant,
    target: { disk: image, layout: 'gpt-bios', filesystem: 'ext4', swap: 'none' },
    hostname: DEMO_INSTALLED.hostname,
    locale: 'en_US.UTF-8',
    timezone: 'UTC',
    user: { name: DEMO_INSTALLED.user, fullname: 'Demo User', password: DEMO_INSTALLED.password },
    bootloader: 'none',
  };
  const prepared = await prepareInstall(answers, { cmdline: '', mediumDir, sysrootsDir, lang: 'en', logPath: join(dir, 'logs', 'demo-installed.log'), targetBase: dir });
  if (!prepared.ok) throw new Error(`the demo's installed system could not be planned: ${prepared.problems.map((p) => p.message).join('; ')}`);
  const errors: string[] = [];
  const r = await runInstall(prepared, { onEvent: (e) => e.type === 'error' && errors.push(e.message) });
  if (!r.ok) throw new Error(`the demo's installed system could not be installed: ${errors.join('; ')}`);
  return { image, loop: await attachPartitioned(image) };
}

const MiB = 1024 * 1024;
/** A new sparse file of `mib` MiB at `path`; returns the path. */
function sparseFile(path: string, mib: number): string {
  writeFileSync(path, '');
  truncateSync(path, mib * MiB);
  return path;
}
export const DEMO_IMAGES: [name: string, mib: number][] = [
  ['demo-disk-a.img', 3072],
  ['demo-disk-b.img', 6144],
  ['demo-flaky.img', 3072],
  // Smaller than any variant of the tiny medium needs (size × 1.25): offered, and refused as too small.
  ['demo-tiny.img', 8],
  ['demo-slow.img', 3072],
];

export async function prepareDemo(): Promise<Demo> {
  if (process.getuid?.() !== 0) throw new Error('--demo needs root: it mounts the demo medium and installs into loop-attached images');
  const dir = mkdtempSync(join(tmpdir(), 'livekit-demo-'));
  const run = join(dir, 'run');
  let partitionedDisk: string | null = null;
  let installed: { image: string; loop: string } | null = null;
  let encrypted: { image: string; loop: string; filled: boolean } | null = null;
  const cleanup = async () => {
    if (partitionedDisk) await detach(partitionedDisk);
    if (installed) await detach(installed.loop);
    if (encrypted) await detach(encrypted.loop);
    await execa('bash', [COMPOSE, 'umount', run], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The demo needs no measured report of separate images: the estimate (the packed layers summed) halves the build.
    await execa(join(SCRIPTS, 'mklive', 'mklive'), ['build', '--recipe', 'tiny', '--out', join(dir, 'medium'), '--separate', 'estimate']);
    await execa('bash', [COMPOSE, 'mount', join(dir, 'medium'), run]);
    partitionedDisk = await preparePartitioned(dir);
    installed = await prepareInstalled(dir, join(dir, 'medium'), join(run, 'sysroots'));
    encrypted = await prepareEncrypted(dir, `${installed.loop}p2`);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const images = DEMO_IMAGES.map(([name, mib]) => sparseFile(join(dir, name), mib));
  return {
    dir,
    mediumDir: join(dir, 'medium'),
    sysrootsDir: join(run, 'sysroots'),
    images,
    flakyImage: images[2]!,
    slowImage: images[4]!,
    partitionedDisk: partitionedDisk!,
    installedDisk: installed!.loop,
    installedImage: installed!.image,
    encryptedDisk: encrypted!.loop,
    encryptedImage: encrypted!.image,
    encryptedFilled: encrypted!.filled,
    cleanup,
  };
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
    if (req.signal?.aborted) throw new Error('Cancelled');
    throw new CodedError('demo-write-error', {}, 'Write error on the target disk: Input/output error (demo: this disk fails its first copy)');
  }
}

/** The slow target: its first copy reports little progress for `ms` before copying (cancel works meanwhile). */
export class SlowOnceCopier implements Copier {
  private slowed = false;
  constructor(
    private inner: Copier,
    private ms = 10_000,
  ) {}
  async copy(req: CopyRequest): Promise<void> {
    if (!this.slowed) {
      this.slowed = true;
      const start = Date.now();
      while (Date.now() - start < this.ms) {
        if (req.signal?.aborted) throw new Error('Cancelled');
        const done = (Date.now() - start) / this.ms;
        req.onProgress({ bytes: Math.floor(done * req.totalBytes * 0.1), total: req.totalBytes, rate: (req.totalBytes * 0.1) / (this.ms / 1000), eta: null, percent: done * 10 });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return this.inner.copy(req);
  }
}
