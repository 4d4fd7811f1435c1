// Checks on an installed disk image: partition table, fstab UUIDs, files vs the source, the account.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** Files and directories the install itself writes or changes (not copies): left out of the comparison. */
export const INSTALL_MANAGED = [
  'etc/fstab', 'etc/hostname', 'etc/hosts', 'etc/locale.conf', 'etc/localtime', 'etc/timezone', 'etc/adjtime',
  'etc/machine-id', 'etc/passwd', 'etc/shadow', 'etc/group', 'etc/gshadow', 'etc/passwd-', 'etc/shadow-',
  'etc/group-', 'etc/gshadow-', 'etc/subuid', 'etc/subgid', 'etc/subuid-', 'etc/subgid-', 'etc/.pwd.lock',
  'etc/default/locale', 'etc/locale.gen', 'home', 'var/log/livekit-installer.log', 'var/lib/dbus', 'var/mail',
  'var/spool/mail', 'lost+found', 'boot/efi', 'swapfile', 'swap', 'etc/default/keyboard', 'etc/X11',
];
/** Directories whose modification time the install changes by writing into them. */
const TOUCHED_DIRS = new Set(['.', 'etc', 'etc/default', 'var', 'var/log', 'var/lib', 'var/spool', 'boot']);

export const skipManaged = (rel: string) => INSTALL_MANAGED.includes(rel);
export const compareDirTime = (rel: string) => !TOUCHED_DIRS.has(rel);

export interface SfdiskTable {
  label: 'gpt' | 'dos';
  partitions: { node: string; start: number; size: number; type: string }[];
}

export async function partitionTable(device: string): Promise<SfdiskTable> {
  const r = await execa('sfdisk', ['--json', device]);
  return (JSON.parse(r.stdout) as { partitiontable: SfdiskTable }).partitiontable;
}

export async function blkid(device: string): Promise<Record<string, string>> {
  const r = await execa('blkid', ['-o', 'export', device], { reject: false });
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export interface FstabEntry {
  spec: string;
  mountpoint: string;
  type: string;
  options: string;
}

export function readFstab(root: string): FstabEntry[] {
  return readFileSync(join(root, 'etc/fstab'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const [spec, mountpoint, type, options] = l.trim().split(/\s+/);
      return { spec: spec!, mountpoint: mountpoint!, type: type!, options: options ?? '' };
    });
}

/** Whether `hash` (from /etc/shadow) verifies `password`, through libcrypt (perl's crypt). */
export async function passwordVerifies(password: string, hash: string): Promise<boolean> {
  const r = await execa('perl', ['-e', 'exit(crypt($ENV{PW}, $ENV{H}) eq $ENV{H} ? 0 : 1)'], { env: { PW: password, H: hash }, reject: false });
  return r.exitCode === 0;
}

export function shadowHash(root: string, user: string): string | undefined {
  const line = readFileSync(join(root, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  return line?.split(':')[1];
}

export function groupMembers(root: string, group: string): string[] {
  const line = readFileSync(join(root, 'etc/group'), 'utf8').split('\n').find((l) => l.startsWith(`${group}:`));
  return line?.split(':')[3]?.split(',').filter(Boolean) ?? [];
}

export function fileText(root: string, rel: string): string | undefined {
  const p = join(root, rel);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}
