// Pure: the contents of the configuration files the install writes into the target's /etc.
import type { Filesystem, Keyboard } from '../../shared/answers.ts';

export interface FstabInput {
  filesystem: Filesystem;
  rootUuid: string;
  /** The ESP's filesystem UUID (vfat volume id `ABCD-1234`), when the target has one. */
  espUuid?: string;
  /** A plain /boot's filesystem UUID (beside an encrypted root). */
  bootUuid?: string;
  /** The swap file's path inside the target, when there is one (btrfs: inside the @swap subvolume). */
  swapFile?: string;
}

const row = (...fields: string[]) => fields.join('\t') + '\n';

/** /etc/fstab by UUID. Swap is appended by the swap step, once the file exists. */
export function fstabContent(f: FstabInput): string {
  let out = '# /etc/fstab: written by the LiveKit installer. <file system> <mount point> <type> <options> <dump> <pass>\n';
  const root = `UUID=${f.rootUuid}`;
  if (f.filesystem === 'btrfs') {
    out += row(root, '/', 'btrfs', 'subvol=@,defaults', '0', '0');
    out += row(root, '/home', 'btrfs', 'subvol=@home,defaults', '0', '0');
    if (f.swapFile) out += row(root, '/swap', 'btrfs', 'subvol=@swap,defaults', '0', '0');
  } else {
    // xfs is never checked by fsck at boot (pass 0); ext4 is, first.
    out += row(root, '/', f.filesystem, 'defaults', '0', f.filesystem === 'ext4' ? '1' : '0');
  }
  if (f.bootUuid) out += row(`UUID=${f.bootUuid}`, '/boot', 'ext4', 'defaults', '0', '2');
  if (f.espUuid) out += row(`UUID=${f.espUuid}`, '/boot/efi', 'vfat', 'umask=0077', '0', '2');
  return out;
}

/**
 * /etc/crypttab: the container opened at boot by its LUKS UUID, under the name the install used (so the
 * initramfs tools, run inside the target, find the mapping they are asked about). The passphrase is asked.
 */
export function crypttabContent(c: { name: string; luksUuid: string }): string {
  return `# /etc/crypttab: written by the LiveKit installer. <name> <device> <key file> <options>\n${row(c.name, `UUID=${c.luksUuid}`, 'none', 'luks,discard')}`;
}

export function swapFstabLine(swapFile: string): string {
  return row(swapFile, 'none', 'swap', 'defaults', '0', '0');
}

export function hostsContent(hostname: string): string {
  return [
    '127.0.0.1\tlocalhost',
    `127.0.1.1\t${hostname}`,
    '',
    '# IPv6',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    '',
  ].join('\n');
}

/** /etc/adjtime: the third line says whether the hardware clock keeps UTC or local time. */
export function adjtimeContent(rtc: 'utc' | 'local'): string {
  return `0.0 0 0.0\n0\n${rtc === 'utc' ? 'UTC' : 'LOCAL'}\n`;
}

/** Debian-family targets also read /etc/default/locale and generate locales with locale-gen. */
export function isDebianLike(osRelease: Record<string, string>): boolean {
  const ids = [osRelease.ID ?? '', ...(osRelease.ID_LIKE ?? '').split(/\s+/)];
  return ids.some((id) => id === 'debian' || id === 'ubuntu');
}

const normLocale = (l: string) => l.toLowerCase().replace('utf-8', 'utf8');

/** Whether `locale` must be generated: not C/POSIX and not among the target's generated locales. */
export function needsLocaleGen(locale: string, generated: string[]): boolean {
  if (/^(C|POSIX)(\.|$)/.test(locale)) return false;
  return !generated.some((g) => normLocale(g) === normLocale(locale));
}

/** The /etc/locale.gen line that enables `locale` (`zh_CN.UTF-8 UTF-8`, `sr_RS.UTF-8@latin UTF-8`). */
export function localeGenLine(locale: string): string {
  return `${locale} UTF-8\n`;
}

/** /etc/default/keyboard (Debian's keyboard-configuration, read by the console and by X11 setups that use it). */
export function defaultKeyboardContent(k: Keyboard): string {
  return [
    '# KEYBOARD CONFIGURATION FILE: written by the LiveKit installer (see keyboard(5)).',
    'XKBMODEL="pc105"',
    `XKBLAYOUT="${k.layout}"`,
    `XKBVARIANT="${k.variant ?? ''}"`,
    'XKBOPTIONS=""',
    'BACKSPACE="guess"',
    '',
  ].join('\n');
}

/** /etc/X11/xorg.conf.d/00-keyboard.conf: the same layout for X11 (what `localectl set-x11-keymap` writes). */
export function xorgKeyboardContent(k: Keyboard): string {
  return [
    '# Written by the LiveKit installer.',
    'Section "InputClass"',
    '        Identifier "system-keyboard"',
    '        MatchIsKeyboard "on"',
    `        Option "XkbLayout" "${k.layout}"`,
    '        Option "XkbModel" "pc105"',
    ...(k.variant ? [`        Option "XkbVariant" "${k.variant}"`] : []),
    'EndSection',
    '',
  ].join('\n');
}

/** Autologin for the variant's display manager: the file to write and its content. */
export function autologinFile(dm: 'lightdm' | 'sddm', user: string): { path: string; content: string } {
  if (dm === 'lightdm') return { path: '/etc/lightdm/lightdm.conf.d/60-livekit-autologin.conf', content: `[Seat:*]\nautologin-user=${user}\nautologin-user-timeout=0\n` };
  return { path: '/etc/sddm.conf.d/60-livekit-autologin.conf', content: `[Autologin]\nUser=${user}\n` };
}
