// Reads an encrypted install's disk image back: its LUKS2 container's header (version, key derivation, UUID),
// whether a passphrase opens it (cryptsetup's --test-passphrase needs no device-mapper), and, where the
// kernel has device-mapper, the installed system inside it (opened and mounted read-only). Releases exactly
// what it set up. Also: whether a file holds some text anywhere (grep -a), and what an install left held.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';

/** The kernel can map devices (dm-crypt): `cryptsetup open` can work. Some build machines' kernels have none. */
export const hasDeviceMapper = spawnSync('dmsetup', ['version'], { stdio: 'ignore' }).status === 0;

export interface Luks {
  /** The partition holding the container (a node of the read-only loop device, gone after the call). */
  partition: string;
  version: string;
  uuid: string;
  /** Each key slot's key derivation (`argon2id`). */
  kdfs: string[];
  /** Each key slot's argon2 costs: iterations, memory (KiB), lanes. */
  kdfCosts: { time: number; memory: number; cpus: number }[];
  /** Each data segment's cipher (`aes-xts-plain64`) and each key slot's key size in bits. */
  ciphers: string[];
  keyBits: number[];
  /** The passphrase opens it; a wrong one does not. */
  opens: boolean;
  wrongOpens: boolean;
  /** The installed system's files, read inside the opened container (device-mapper only). */
  system?: { crypttab: string; fstab: string; hostname: string; passwd: string };
}

export async function readLuks(image: string, passphrase: string, o: { readSystem: boolean }): Promise<Luks> {
  const loop = (await execa('losetup', ['--find', '--show', '--read-only', '--partscan', image])).stdout.trim();
  try {
    await execa('partx', ['-u', loop], { reject: false });
    await execa('partx', ['-a', loop], { reject: false });
    // No udev: probe each partition node directly (blkid -p), never from blkid's cache.
    let found: { node: string; v: Record<string, string> } | undefined;
    for (let attempt = 0; attempt < 20 && !found; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
      for (const n of readdirSync('/dev').filter((x) => x.startsWith(`${basename(loop)}p`))) {
        const probe = (await execa('blkid', ['-p', '-o', 'export', `/dev/${n}`], { reject: false })).stdout;
        const v = Object.fromEntries(probe.split('\n').map((l) => l.split('=') as [string, string]));
        if (v.TYPE === 'crypto_LUKS') found = { node: `/dev/${n}`, v };
      }
    }
    if (!found) throw new Error(`no LUKS container on ${image}`);
    const dev = found.node;
    const meta = JSON.parse((await execa('cryptsetup', ['luksDump', '--dump-json-metadata', dev])).stdout) as {
      keyslots: Record<string, { kdf: { type: string; time: number; memory: number; cpus: number }; key_size: number }>;
      segments: Record<string, { encryption: string }>;
    };
    const test = async (p: string) => (await execa('cryptsetup', ['open', '--test-passphrase', '--key-file=-', dev], { input: p, reject: false })).exitCode === 0;
    const luks: Luks = {
      partition: dev,
      version: found.v.VERSION ?? '',
      uuid: found.v.UUID ?? '',
      kdfs: Object.values(meta.keyslots).map((k) => k.kdf.type),
      kdfCosts: Object.values(meta.keyslots).map(({ kdf }) => ({ time: kdf.time, memory: kdf.memory, cpus: kdf.cpus })),
      ciphers: Object.values(meta.segments).map((seg) => seg.encryption),
      keyBits: Object.values(meta.keyslots).map((k) => k.key_size * 8),
      opens: await test(passphrase),
      wrongOpens: await test(`${passphrase}!`),
    };
    if (o.readSystem) luks.system = await readInside(dev, passphrase);
    return luks;
  } finally {
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
  }
}

/** Opens the container read-only, mounts its file system read-only, reads the files the tests check. */
async function readInside(dev: string, passphrase: string): Promise<NonNullable<Luks['system']>> {
  const name = `lk-check-${process.pid}`;
  const mnt = mkdtempSync(join(tmpdir(), 'lk-luks-'));
  await execa('cryptsetup', ['open', '--readonly', '--type', 'luks2', '--key-file=-', dev, name], { input: passphrase });
  let mounted = false;
  try {
    await execa('mount', ['-o', 'ro,noload', `/dev/mapper/${name}`, mnt]);
    mounted = true;
    const read = (p: string) => (existsSync(join(mnt, p)) ? readFileSync(join(mnt, p), 'utf8') : '');
    return { crypttab: read('etc/crypttab'), fstab: read('etc/fstab'), hostname: read('etc/hostname').trim(), passwd: read('etc/passwd') };
  } finally {
    if (mounted) await execa('umount', [mnt], { reject: false });
    await execa('cryptsetup', ['close', name], { reject: false });
    rmdirSync(mnt);
  }
}

/** The file holds `text` somewhere, read as raw bytes (a sparse image's holes included). The text (a passphrase) reaches grep on stdin. */
export async function fileContains(file: string, text: string): Promise<boolean> {
  const r = await execa('grep', ['-a', '-q', '-F', '-f', '-', file], { input: text, reject: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`grep ${file}: ${r.stderr}`);
  return r.exitCode === 0;
}

/**
 * What an install into `image` still holds: loop devices on the image, the container's mapping
 * (`luks-<uuid>`), mounts under the demo's folder (where the service mounts its targets).
 */
export async function leftovers(image: string, luksUuid: string, demoDir: string): Promise<string[]> {
  const loops = (await execa('losetup', ['-j', image])).stdout.split('\n').filter(Boolean);
  const name = `luks-${luksUuid}`;
  const listed = hasDeviceMapper ? (await execa('dmsetup', ['ls'])).stdout.split('\n').some((l) => l.split(/\s/)[0] === name) : false;
  const mapped = listed || existsSync(`/dev/mapper/${name}`) ? [`/dev/mapper/${name}`] : [];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(`${demoDir}/livekit-target-`));
  return [...loops, ...mapped, ...mounts];
}
