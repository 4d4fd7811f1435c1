// The boot kit for QEMU tests: the Debian kernel and LiveKit initramfs images built by
// scripts/mklive/image (cached by the hash of everything that goes into them), the tiny medium built
// by the real build module, and hybrid images made by the real mkimage.sh.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cachedBuild } from '../../helpers/cache.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const IMAGE_DIR = join(REPO, 'scripts/mklive/image');
export const MODULE_DIR = join(REPO, 'scripts/dracut/90livekit');
export const MKLIVE = join(REPO, 'scripts/mklive/mklive');
const CACHE = process.env.LIVEKIT_CACHE ?? '/var/cache/livekit';

export const isRoot = process.getuid?.() === 0;
export const NEEDS_ROOT = 'needs root: debootstrap/chroot for the boot kit, overlay mounts, QEMU media';

export type Flavour = 'systemd' | 'shell';

function hashTree(h: ReturnType<typeof createHash>, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(h, p);
    else h.update(`${name}\0`).update(readFileSync(p));
  }
}

/** The Debian kernel of the boot kit (builds the kit on first use, ~1 min). */
export async function bootKernel(): Promise<string> {
  const r = await execa('bash', [join(IMAGE_DIR, 'bootkit.sh'), '--print-kernel'], { stderr: 'inherit' });
  return r.stdout.trim();
}

export interface InitrdOptions {
  /**
   * dracut's crypt module (mkinitrd.sh --crypt): unlocks an installed LUKS root (`rd.luks.uuid=`), and carries
   * dm-crypt and the crypto modules a Live root without /lib/modules loads with `rd.driver.pre=` to install
   * encrypted. Cached apart from the plain image.
   */
  crypt?: boolean;
}

/**
 * A LiveKit initramfs (with the test-only report module), rebuilt only when the boot module,
 * the report module or the build scripts change (a dracut build takes about a minute on TCG hosts).
 */
export async function testInitrd(flavour: Flavour, o: InitrdOptions = {}): Promise<string> {
  const kind = o.crypt ? `${flavour}-crypt` : flavour;
  const h = createHash('sha256').update(kind);
  for (const f of ['bootkit.sh', 'mkinitrd.sh']) h.update(readFileSync(join(IMAGE_DIR, f)));
  hashTree(h, MODULE_DIR);
  hashTree(h, join(IMAGE_DIR, '99livekit-report'));
  const dir = join(CACHE, 'test-initrd');
  const entry = join(dir, `${kind}-${h.digest('hex').slice(0, 16)}`);
  const file = join(entry, 'initrd.img');
  if (existsSync(file)) return file;
  const flags = [`--${flavour}`, '--report', ...(o.crypt ? ['--crypt'] : [])].join(' ');
  await cachedBuild(entry, ['bash', '-c', `exec bash "$0" ${flags} --out "$1/initrd.img"`, join(IMAGE_DIR, 'mkinitrd.sh')]);
  // Keep one image per kind: older ones were built from an older boot module.
  const older = new RegExp(`^${kind}-[0-9a-f]{16}(\\.img|\\.lock)?$`);
  for (const old of readdirSync(dir)) if (older.test(old) && !join(dir, old).startsWith(entry)) rmSync(join(dir, old), { recursive: true, force: true });
  return file;
}

/** Builds a medium with the real build module (`tiny` recipe unless told otherwise). */
export async function buildMedium(out: string, recipe = 'tiny', extra: string[] = []): Promise<void> {
  await execa(MKLIVE, ['build', '--recipe', recipe, '--out', out, ...extra], { stdin: 'ignore' });
}

export interface ImageOptions {
  medium: string;
  kernel: string;
  initrd: string;
  out: string;
  label: string;
  timeout?: number;
  cmdline?: string;
  /** GRUB boots with AOSC's root=aosc-livekit: (mkimage --aosc). */
  aosc?: boolean;
}

/** The hybrid image (ISO + USB disk, BIOS + UEFI) with GRUB on the serial console. */
export async function buildImage(o: ImageOptions): Promise<void> {
  const args = [join(IMAGE_DIR, 'mkimage.sh'), '--medium', o.medium, '--kernel', o.kernel, '--initrd', o.initrd,
    '--out', o.out, '--label', o.label, '--serial', '--timeout', String(o.timeout ?? 3)];
  if (o.cmdline) args.push('--cmdline', o.cmdline);
  if (o.aosc) args.push('--aosc');
  await execa('bash', args, { stdin: 'ignore' });
}
