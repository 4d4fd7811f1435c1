// Reads an installed disk image back: attaches it read-only, mounts its root partition, returns what the
// tests check, and releases exactly what it set up.
import { mkdtempSync, readFileSync, readdirSync, rmdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';

export interface Installed {
  hostname: string;
  passwd: string;
  shadowLine: string;
  localeConf: string;
  fstab: string;
  /** /etc/default/keyboard and /etc/X11/xorg.conf.d/00-keyboard.conf. */
  keyboard: string;
  xorgKeyboard: string;
  timezone: string;
  partitions: { path: string; type?: string; label?: string }[];
  passwordVerifies: boolean;
}

export async function readInstalled(image: string, user: string, password: string): Promise<Installed> {
  const loop = (await execa('losetup', ['--find', '--show', '--read-only', '--partscan', image])).stdout.trim();
  const mnt = mkdtempSync(join(tmpdir(), 'lk-check-'));
  let mounted = false;
  try {
    await execa('partx', ['-u', loop], { reject: false });
    await execa('partx', ['-a', loop], { reject: false });
    // No udev: partition nodes come from partx; probe each one directly (blkid -p), never from blkid's cache,
    // which may remember another image that used the same loop device number.
    const partitions: { path: string; type?: string; label?: string }[] = [];
    for (let attempt = 0; attempt < 20 && partitions.length === 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
      const nodes = readdirSync('/dev').filter((n) => n.startsWith(`${basename(loop)}p`)).map((n) => `/dev/${n}`);
      for (const node of nodes) {
        const probe = (await execa('blkid', ['-p', '-o', 'export', node], { reject: false })).stdout;
        const v = Object.fromEntries(probe.split('\n').map((l) => l.split('=') as [string, string]));
        partitions.push({ path: node, type: v.TYPE, label: v.LABEL });
      }
    }
    const root = partitions.find((p) => p.type === 'ext4' || p.type === 'xfs' || p.type === 'btrfs');
    if (!root) throw new Error(`no root filesystem on ${image}: ${JSON.stringify(partitions)}`);
    const opts = root.type === 'btrfs' ? ['-o', 'ro,subvol=@'] : root.type === 'ext4' ? ['-o', 'ro,noload'] : ['-o', 'ro,norecovery'];
    await execa('mount', [...opts, root.path, mnt]);
    mounted = true;
    const read = (p: string) => (existsSync(join(mnt, p)) ? readFileSync(join(mnt, p), 'utf8') : '');
    const shadowLine = read('etc/shadow').split('\n').find((l) => l.startsWith(`${user}:`)) ?? '';
    const hash = shadowLine.split(':')[1] ?? '';
    const salt = hash.split('$')[2] ?? '';
    const again = hash.startsWith('$6$')
      ? (await execa('mkpasswd', ['--method=sha-512', `--salt=${salt}`, '--stdin'], { input: password })).stdout.trim()
      : hash.startsWith('$y$')
        ? (await execa('mkpasswd', ['--method=yescrypt', `--salt=${hash.split('$').slice(0, 4).join('$')}`, '--stdin'], { input: password, reject: false })).stdout.trim()
        : '';
    return {
      hostname: read('etc/hostname').trim(),
      passwd: read('etc/passwd'),
      shadowLine,
      localeConf: read('etc/locale.conf'),
      fstab: read('etc/fstab'),
      keyboard: read('etc/default/keyboard'),
      xorgKeyboard: read('etc/X11/xorg.conf.d/00-keyboard.conf'),
      timezone: read('etc/timezone').trim(),
      partitions,
      passwordVerifies: hash.length > 0 && again === hash,
    };
  } finally {
    if (mounted) await execa('umount', [mnt], { reject: false });
    rmdirSync(mnt);
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
  }
}
