// The hand-made encrypted disk (make-luks-disk.sh) built once per builder, sysroot and options, and
// cached like every test cache (cache_build: under a lock, published when complete). The passphrase
// and password reach the builder on stdin; the cache key holds only their hash.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBuild, testCacheDir } from '../../helpers/cache.ts';

const HERE = new URL('./', import.meta.url).pathname;
const BUILDER = join(HERE, 'make-luks-disk.sh');

export interface LuksDiskOptions {
  /** The sysroot to install by hand (the Debian fixture's tree). */
  root: string;
  passphrase: string;
  /** alice's password. */
  password: string;
  /** XKB layout in /etc/default/keyboard. */
  layout: string;
  /** Also /boot/initrd.img-<kernel>.us: the same initramfs with the US layout. */
  control?: boolean;
  pbkdf?: { memoryKiB: number; iterations: number; parallel: number };
}

export interface LuksDisk {
  image: string;
  /** The disk's /boot/grub/grub.cfg. */
  grubCfg: string;
  /** make-luks-disk.sh's facts: luks_uuid, mapping, root_uuid, boot_uuid, esp_uuid, kernel, kdf, timings. */
  facts: Record<string, string>;
}

export async function luksDisk(o: LuksDiskOptions): Promise<LuksDisk> {
  const args = ['--root', o.root, '--layout', o.layout, ...(o.control ? ['--control'] : [])];
  if (o.pbkdf) args.push('--pbkdf-memory', String(o.pbkdf.memoryKiB), '--pbkdf-iterations', String(o.pbkdf.iterations), '--pbkdf-parallel', String(o.pbkdf.parallel));
  const h = createHash('sha256');
  for (const f of [BUILDER, join(HERE, 'xts-encrypt.mjs')]) h.update(readFileSync(f));
  h.update(JSON.stringify(args)).update(o.passphrase).update('\0').update(o.password);
  const dir = join(testCacheDir(), `luks-disk-${h.digest('hex').slice(0, 16)}`);
  // cache_build appends its temp folder: the value of the last option, --out.
  await cachedBuild(dir, ['bash', BUILDER, ...args, '--out'], { input: `${o.passphrase}\n${o.password}\n` });
  pruneOlderDisks(dir);
  const facts = Object.fromEntries(
    readFileSync(join(dir, 'facts'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { image: join(dir, 'disk.img'), grubCfg: readFileSync(join(dir, 'grub.cfg'), 'utf8'), facts };
}

/** Other disks (2 GiB each, from older builders or options) go once unused for a day. */
function pruneOlderDisks(keep: string): void {
  const cache = testCacheDir();
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (!/^luks-disk-[0-9a-f]{16}$/.test(name) || path === keep) continue;
    // The image's last read (relatime: updated about once a day), else the entry's own time.
    let used = statSync(path).mtimeMs;
    try {
      used = Math.max(used, statSync(join(path, 'disk.img')).atimeMs);
    } catch {
      /* an unfinished entry: cache_build's next build of that key removes it */
    }
    if (Date.now() - used < 86_400_000) continue;
    rmSync(path, { recursive: true, force: true });
    rmSync(`${path}.lock`, { force: true });
  }
}
