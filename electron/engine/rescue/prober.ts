// Effects: reads each candidate volume without changing it. A Linux filesystem is mounted read-only
// (`noload`/`norecovery`) by a small helper that lives in its own private mount namespace (`unshare -m`):
// the host's mount table never sees it, and when the helper ends (its stdin closes: we are done, or we
// died) the namespace and the mount go with it, so an interruption leaves nothing mounted. The files are
// read through `/proc/<helper>/root`. FAT is listed with mtools, the disks' first sectors are read.
import { mkdtempSync, openSync, readSync, closeSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { MachineFacts } from '../../shared/facts.ts';
import { readOsRelease } from '../medium/os-release.ts';
import { detectTools } from '../medium/tools.ts';
import { existsInRoot, readTextInRoot, resolveInRootSync } from '../medium/in-root.ts';
import { readdir, lstat } from 'node:fs/promises';
import { probeHow, volumesOf, type ProbeHow } from './candidates.ts';
import { loginUsers, pickRootSubvol } from './classify.ts';
import type { ProbeResults, VolumeProbe } from './types.ts';

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };
const READY_TIMEOUT_MS = 20_000;

/** The helper: mounts, says READY, and keeps the namespace alive until its stdin closes. */
const HELPER = 'mount -t "$4" -o "$1" -- "$2" "$3" || exit 3; echo READY; read -r _ || true';

/** A volume mounted read-only in a private namespace; `root` is the host path that shows it. */
export interface PrivateMount {
  root: string;
  close(): Promise<void>;
}

export async function mountPrivately(device: string, options: string[], fstype: string): Promise<PrivateMount> {
  const dir = mkdtempSync(join(tmpdir(), 'livekit-probe-'));
  const child = execa('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', HELPER, 'livekit-probe', options.join(','), device, dir, fstype], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    env: { LC_ALL: 'C' },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('READY')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void child.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const close = async () => {
    child.stdin?.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await child;
    clearTimeout(t);
    try {
      rmdirSync(dir);
    } catch {
      /* still there: nothing we can do without touching a mount we cannot see */
    }
  };
  if (!ready) {
    await close();
    throw new Error(stderr.trim().split('\n').at(-1) || 'mount failed');
  }
  return { root: `/proc/${child.pid}/root${dir}`, close };
}

async function listRecursive(root: string, rel: string, depth = 3): Promise<string[]> {
  const host = resolveInRootSync(root, rel);
  if (host === undefined || depth < 0) return [];
  let names: string[];
  try {
    names = await readdir(host);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    out.push(n);
    const st = await lstat(join(host, n)).catch(() => null);
    if (st?.isDirectory() && (n === 'grub' || n === 'grub2' || n === 'efi')) {
      for (const sub of await listRecursive(root, `${rel}/${n}`, depth - 1)) out.push(`${n}/${sub}`);
    }
  }
  return out;
}

async function subvolumesAt(root: string): Promise<string[]> {
  // Top-level subvolumes show as directories with inode 256.
  const names = await readdir(root).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names) {
    const st = await lstat(join(root, n)).catch(() => null);
    if (st?.isDirectory() && st.ino === 256) out.push(n);
  }
  return out.sort();
}

/** Reads one Linux filesystem in a private read-only mount: a system (os-release, fstab, crypttab, /boot, tools, users) or a separate /boot. */
export async function probeMounted(device: string, how: Extract<ProbeHow, { kind: 'mount' }>): Promise<VolumeProbe> {
  let m: PrivateMount;
  try {
    m = await mountPrivately(device, how.options, how.fstype);
  } catch (e) {
    return { device, read: false, error: (e as Error).message };
  }
  try {
    const probe: VolumeProbe = { device, read: true };
    let root = m.root;
    if (how.fstype === 'btrfs') {
      const subvolumes = await subvolumesAt(m.root);
      probe.subvolumes = subvolumes;
      const has = (s: string) => resolveInRootSync(s ? join(m.root, s) : m.root, 'etc/os-release') !== undefined || resolveInRootSync(s ? join(m.root, s) : m.root, 'usr/lib/os-release') !== undefined;
      const sv = pickRootSubvol(has, subvolumes);
      if (sv !== undefined) {
        probe.subvol = sv;
        if (sv) root = join(m.root, sv);
      }
    }
    const os = await readOsRelease(root);
    if (Object.keys(os).length > 0) {
      probe.osRelease = os;
      const fstab = await readTextInRoot(root, 'etc/fstab');
      if (fstab !== undefined) probe.fstab = fstab;
      const crypttab = await readTextInRoot(root, 'etc/crypttab');
      if (crypttab !== undefined) probe.crypttab = crypttab;
      probe.bootFiles = await listRecursive(root, 'boot');
      probe.tools = await detectTools(root);
      probe.users = loginUsers(await readTextInRoot(root, 'etc/passwd'));
    } else if ((await existsInRoot(root, 'grub')) || (await readdir(root).catch(() => [] as string[])).some((n) => /^vmlinuz-/.test(n))) {
      // A separate /boot filesystem: its top is the system's /boot.
      probe.bootFiles = await listRecursive(root, '.');
    }
    return probe;
  } finally {
    await m.close();
  }
}

async function probeFat(device: string): Promise<VolumeProbe> {
  const r = await execa('mdir', ['-/', '-b', '-i', device, '::/EFI'], { env: MTOOLS_ENV, reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) return { device, read: true, efiFiles: [] };
  const files = String(r.stdout)
    .split('\n')
    .map((l) => l.trim().replace(/^::\//, ''))
    .filter((l) => l.startsWith('EFI/') && !l.endsWith('/'));
  return { device, read: true, efiFiles: files };
}

/** GRUB's boot.img carries the text "GRUB" in the first sector's code area (440 bytes before the table). */
function hasGrubBootCode(disk: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(disk, 'r');
    const buf = Buffer.alloc(440);
    readSync(fd, buf, 0, 440, 0);
    return buf.includes('GRUB');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function kernelFilesystems(): string[] {
  try {
    return readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

export async function probeMachine(machine: MachineFacts): Promise<ProbeResults> {
  const volumes: VolumeProbe[] = [];
  const probedDisks = new Set<string>();
  for (const v of volumesOf(machine)) {
    const how = probeHow(v, machine);
    if (!how) continue;
    probedDisks.add(v.disk.path);
    volumes.push(how.kind === 'fat' ? await probeFat(v.part.path) : await probeMounted(v.part.path, how));
  }
  const bootCode: Record<string, boolean> = {};
  for (const d of probedDisks) bootCode[d] = hasGrubBootCode(d);
  return { volumes, bootCode, kernelFilesystems: kernelFilesystems() };
}
