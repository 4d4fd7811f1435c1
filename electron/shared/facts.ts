// Plain-data facts about the machine and the medium. Collected by effects (disks/, medium/),
// recorded and replayed by tests, consumed by the pure planner and safety rules.
import type { CopyMethod } from './plan.ts';

/** Parsed `livekit/livekit.conf`. */
export interface MediumConfig {
  /** Layer names in declaration order (`base` first when declared). */
  layers: string[];
  /** Sysroot names in declaration order. */
  sysroots: string[];
  /** Per sysroot, its layers bottom first (`SYSROOT_DEP_<name>`). */
  deps: Record<string, string[]>;
  /** Per sysroot, its Live template file (`TEMPLATE_<name>`), when it has one. */
  templates: Record<string, string>;
  defaultBootTarget?: string;
  fstype: 'squashfs' | 'erofs';
}

/** Per-language strings, keyed by a language tag such as `en`, `zh_CN`, `zh_TW`. */
export type Translated = Record<string, string>;

export interface SysrootHints {
  gpu?: 'nvidia' | 'amd' | 'intel';
  arch?: string;
}

/** One entry of `livekit/sysroots.json`. */
export interface SysrootMeta {
  title?: Translated;
  description?: Translated;
  size?: number;
  inodes?: number;
  installable?: boolean;
  hints?: SysrootHints;
}

/** What the sysroot carries that the install steps use; detected from its files. */
export interface TargetTools {
  initramfs?: 'dracut' | 'update-initramfs' | 'mkinitcpio';
  /** `grub` (grub-install) or `grub2` (grub2-install), when present. */
  grub?: 'grub' | 'grub2';
  /** GRUB platforms whose modules are installed: `x86_64-efi`, `i386-pc`, `loongarch64-efi`, ... */
  grubPlatforms: string[];
  /** Kernel versions found under /usr/lib/modules (or /lib/modules). */
  kernels: string[];
  useradd: boolean;
  chpasswd: boolean;
  /** Groups that exist in the sysroot and mean "administrator" (wheel, sudo). */
  adminGroups: string[];
  /** The login shell for the new account: bash when the sysroot has it, else /bin/sh. */
  loginShell?: string;
  /** User names that already exist in the sysroot's /etc/passwd. */
  existingUsers: string[];
  /** `locale-gen` exists in the sysroot (Debian-like); absent: unknown, no generation planned. */
  localeGen?: boolean;
  /** Locales already generated in the sysroot (`zh_CN.UTF-8`), when known. */
  locales?: string[];
  /** The display manager whose autologin the installer can set, when the sysroot has one. */
  displayManager?: 'lightdm' | 'sddm';
  /** `cryptsetup` is there (an encrypted root needs it to be opened at boot). */
  cryptsetup?: boolean;
  /** console-setup's `setupcon` is there: it makes the console keymap the initramfs loads for a passphrase prompt. */
  setupcon?: boolean;
  /**
   * The initramfs tool's part that opens an encrypted root at boot: Debian's `cryptsetup-initramfs` hook,
   * dracut's `crypt` module, mkinitcpio's `encrypt` hook.
   */
  initramfsCrypt?: boolean;
}

export interface SysrootInfo {
  name: string;
  /** Where the composed read-only sysroot is mounted. */
  path: string;
  title: string;
  description: string;
  sizeBytes: number;
  inodes: number;
  /** Whether size and inodes came from sysroots.json (false: measured here). */
  measured: boolean;
  installable: boolean;
  hints: SysrootHints;
  layers: string[];
  osRelease: Record<string, string>;
  tools: TargetTools;
  /** Recommended for this machine (NVIDIA GPU → nvidia hint, LoongArch → arch hint). */
  recommended: boolean;
  /** How the copy step can copy it (its squashfs layer stack, or rsync and why); absent: rsync. */
  copyMethod?: CopyMethod;
}

export interface PartitionInfo {
  path: string;
  number?: number;
  sizeBytes: number;
  fstype?: string;
  /** The filesystem's label. */
  label?: string;
  /** The GPT partition name (`PARTLABEL`). */
  partlabel?: string;
  /** The operating system found on it by a read-only probe (os-release's PRETTY_NAME, or `Windows`). */
  os?: string;
  uuid?: string;
  partuuid?: string;
  /** GPT type GUID or MBR type byte, lower case. */
  parttype?: string;
  mountpoints: string[];
  swapActive: boolean;
}

/** Something besides a mount or swap that is using a disk, a partition or an image file right now. */
export type InUse =
  /** A process holds `device` open (a partition editor, dd, another installer). */
  | { kind: 'process'; device: string; pid: number; command: string }
  /** A device is stacked on `device` (dm-crypt, LVM, md). */
  | { kind: 'holder'; device: string; holder: string }
  /** The image file `device` is attached to a loop device. */
  | { kind: 'loop'; device: string; loop: string };
/** A file's identity, `st_dev:st_ino`: the same through a hard link or a bind mount, whatever the path. */
export type FileId = string;

/** Where a file is, by identity rather than by path (collected by disks/place.ts). */
export interface Place {
  /** The file's own identity; absent when it does not exist yet (a new log file). */
  id?: FileId;
  /** `st_dev` of the filesystem the file is, or would be, on. */
  dev: string;
  /** The folders above it up to `/`, nearest first; for a missing file, from its nearest existing folder. */
  folders: FileId[];
}

/**
 * The Live medium by identity (collected by disks/live-ids.ts): its files and the layers' backing files,
 * its folders (anything below one is on the medium), and its filesystems when the medium is mounted as a
 * filesystem of its own (anything on one is on the medium). Each names the path it was found at.
 */
export interface LiveIdentities {
  files: { path: string; id: FileId }[];
  folders: { path: string; id: FileId }[];
  filesystems: { path: string; dev: string }[];
}

export interface DiskInfo {
  /** Block device path (`/dev/sdb`), or the image file's path for an image target. */
  path: string;
  /** An image target's canonical path (symlinks resolved), which the safety rules check. */
  realPath?: string;
  /** An image target's identity: a hard link or a bind mount of a Live file is refused like the file. */
  place?: Place;
  name: string;
  sizeBytes: number;
  model?: string;
  serial?: string;
  transport?: string;
  /** lsblk TYPE: disk, loop, rom, ...; `image` for a regular file target. */
  type: string;
  readOnly: boolean;
  removable: boolean;
  /** Mountpoints on the disk itself (a filesystem without a partition table). */
  mountpoints: string[];
  fstype?: string;
  /** The whole disk is an active swap area (no partition table). */
  swapActive?: boolean;
  partitions: PartitionInfo[];
  /** Who else is using it or its partitions (absent: nobody, or not looked at). */
  inUse?: InUse[];
  /** An image file: what its filesystem has free, and what the image already occupies of it (it is sparse). */
  hostSpace?: { freeBytes: number; allocatedBytes: number };
}

export type RefusalCode =
  | 'live-medium'
  | 'mounted'
  | 'swap'
  | 'read-only'
  | 'too-small'
  | 'optical'
  | 'zram'
  | 'ram'
  /** Zero bytes: no medium in the drive, an unattached loop device. */
  | 'empty'
  | 'not-found'
  /** Held open by a process, stacked on (dm, md), or, for an image, attached to a loop device. */
  | 'in-use'
  /** An image file whose filesystem has too little free space for what the install writes into it. */
  | 'no-room';

/** Why a disk cannot be a target. `code` maps to the i18n key `plan:refusal.<code>`. */
export interface Refusal {
  code: RefusalCode;
  params?: Record<string, string | number>;
}

export interface MachineFacts {
  firmware: 'uefi' | 'bios';
  /** Node-style arch of the running system: x64, arm64, loong64, ... */
  arch: string;
  ramBytes: number;
  /** Lower-case GPU vendors: nvidia, amd, intel, ... */
  gpuVendors: string[];
  disks: DiskInfo[];
  /** Block devices (disks or partitions) that hold the Live medium or a layer's backing file. */
  liveDevices: string[];
  /** The kernel command line (from /proc/cmdline or --cmdline-file). */
  cmdline: string;
  /** On a laptop: running on its battery (`battery`) or on mains (`ac`); absent or `unknown` when not known. */
  power?: 'ac' | 'battery' | 'unknown';
  /** The kernel can open a LUKS container (device-mapper and dm-crypt, built in or loadable). Absent: not looked at. */
  canOpenLuks?: boolean;
  /** Files and directories of the Live system (medium and layers dirs, the layers' backing files): an image target inside one is refused. */
  livePaths?: string[];
  /** The same Live files and folders by identity, so that no other path to them (hard link, bind mount) escapes. */
  liveIds?: LiveIdentities;
}
