// The Plan: the single source of truth that the confirmation page, `--dry-run`,
// QA's logs and the executor all read. Pure data, JSON-serialisable, secret-free.
import type { Answers } from './answers.ts';

/**
 * Placeholders the executor resolves at run time, inside argv, paths and contents:
 *  - `{disk}`: the target disk's block device (a loop device when the target is an image file)
 *  - `{part:<role>}`: a partition device by role (`esp`, `bios`, `root`), resolved from `Plan.partitions`
 * Everything else (UUIDs, sizes, the target root, a LUKS mapping's name) is decided when planning.
 */
export type PartitionRole = 'esp' | 'bios' | 'root' | 'boot';

export type FilesystemType = 'ext4' | 'xfs' | 'btrfs' | 'vfat';

/** A filesystem of the target: made by the install (`format`) or kept as it is (another system's ESP). */
export interface PlannedFilesystem {
  type: FilesystemType;
  uuid?: string;
  format: boolean;
  mountpoint: string;
  /** btrfs: the subvolumes made on it, each mounted at its mount point (`@` is the root). */
  subvolumes?: { name: string; mountpoint: string }[];
  /** The swap file the install makes inside it. */
  swapFile?: { path: string; sizeBytes: number; uuid: string };
}

/** A LUKS2 container between a partition and its filesystem, opened as /dev/mapper/<name>. */
export interface PlannedLuks {
  uuid: string;
  name: string;
}

/**
 * A partition of the target's device tree: disk → partition → (LUKS2 container) → filesystem. A BIOS boot
 * partition holds neither (GRUB's core image goes there raw).
 */
export interface PlannedPartition {
  role: PartitionRole;
  /** Partition number on the disk, or the existing device when installing into partitions. */
  number?: number;
  device?: string;
  sizeBytes?: number;
  luks?: PlannedLuks;
  fs?: PlannedFilesystem;
}

import type { SecretRef } from './secrets.ts';
/** Where a secret for stdin comes from (shared/secrets.ts); resolved at run time, never stored in the plan. */
export type { SecretRef } from './secrets.ts';

export type Action =
  /** Run a command (argv, never a shell string). `stdin` feeds text; `secret` lines like `user:SECRET`. */
  | {
      kind: 'run';
      argv: string[];
      /** Run inside the target root via chroot. */
      chroot?: boolean;
      stdin?: string;
      /** The secret's line for stdin: `template` with `{secret}` replaced by the resolved secret (e.g. `alice:{secret}`). */
      stdinSecret?: { ref: SecretRef; template: string };
      /** Exit codes that count as success (default [0]). */
      okExitCodes?: number[];
      /** Environment additions. */
      env?: Record<string, string>;
      /** What its failure means, said instead of "exited with code N" (a file system check that found errors). */
      failCode?: 'fs-check-failed';
    }
  /** Attach an image file to a loop device with partition scanning; sets `{disk}`. */
  | { kind: 'attach-image'; image: string }
  /** Create the partition device nodes (no udev): `partx -u` and wait for `{part:*}` to exist. */
  | { kind: 'settle-partitions' }
  /** Mount (tracked: released in reverse order at the end or on failure). */
  | { kind: 'mount'; source: string; target: string; fstype?: string; options?: string[]; bind?: boolean }
  /** Write a file (path absolute on the host, usually under the target root). */
  | { kind: 'write-file'; path: string; content: string; mode?: number; append?: boolean }
  /** Copy the sysroot onto the target; streams progress. `method` says how (absent: rsync). */
  | { kind: 'copy'; source: string; target: string; totalBytes: number; totalFiles: number; method?: CopyMethod }
  /**
   * Release everything mounted or attached so far, in reverse order; with `keepDevices`, only the mounts: the
   * loop device holding a target image and an opened LUKS container stay (their filesystems are checked
   * unmounted before they go).
   */
  | { kind: 'release'; keepDevices?: boolean }
  /**
   * Open a LUKS container as /dev/mapper/<name>, the passphrase on stdin (tracked: closed at release). `type` is
   * cryptsetup's: `luks2` (absent: the container the install made) or `luks` (any version: one found on a disk).
   */
  | { kind: 'open-luks'; device: string; name: string; secret: SecretRef; type?: 'luks' | 'luks2' }
  /** The target is still the disk or image file the plan was made for (not unplugged, deleted or replaced). */
  | { kind: 'verify-target' }
  /** Copy the engine's log into the target (done while the target is still mounted). */
  | { kind: 'save-log'; path: string };

/** One squashfs image of a sysroot's stack, and where it is mounted. */
export interface SquashfsLayer {
  image: string;
  /** Byte offset of the filesystem in the image (a loop device's offset). */
  offset: number;
  mount: string;
}

/**
 * How the copy step copies: unpacking the sysroot's squashfs layers bottom-up (and applying each upper
 * layer's whiteouts, opaque and redirected dirs), or rsync of the composed tree, with the reason.
 */
export type CopyMethod =
  | { kind: 'layers'; layers: SquashfsLayer[] }
  | {
      kind: 'rsync';
      reason: 'not-layered' | 'mounts-inside' | 'overlay-options' | 'erofs' | 'not-squashfs' | 'no-image' | 'no-tools';
      detail: string;
    };

export type StepId =
  | 'attach'
  | 'partition'
  | 'format'
  | 'mount'
  | 'copy'
  | 'fstab'
  | 'hostname'
  | 'locale'
  | 'keyboard'
  | 'timezone'
  | 'rtc'
  | 'user'
  | 'machine-id'
  | 'swap'
  | 'initramfs'
  | 'bootloader'
  | 'log'
  | 'unmount'
  /** Read-only checks of the filesystems the install made, unmounted. */
  | 'check'
  | 'detach'
  /** Repairs (electron/engine/rescue/plan.ts); `unlock` opens a locked system's container. */
  | 'unlock'
  | 'password'
  | 'fsck'
  | 'copy-home';

export interface Step {
  id: StepId;
  /** i18n key, e.g. `plan:step.copy`. */
  label: string;
  /** Relative share of the whole install's progress. */
  weight: number;
  actions: Action[];
}

export interface Plan {
  version: 1;
  answers: Omit<Answers, 'user' | 'root' | 'encryption'> & {
    user: { name: string; fullname?: string; password: 'set' | 'hashed' | 'none'; admin: boolean; autologin: boolean };
    /** The root account: `locked` (no password) or given one. */
    root: 'locked' | 'set' | 'hashed';
    /** Root in LUKS2 (the passphrase is never in the plan). */
    encryption?: 'luks2';
  };
  variant: { name: string; path: string; sizeBytes: number; inodes: number };
  /** The disk that is erased (absent when installing into existing partitions). */
  erase?: { path: string; model?: string; sizeBytes: number; image: boolean };
  firmware: 'uefi' | 'bios';
  partitionTable?: 'gpt' | 'dos';
  partitions: PlannedPartition[];
  /** The target's root while installing. */
  targetRoot: string;
  locale: string;
  /** What the install does to the disks, in people's terms and in order: what the confirmation, the summary and the log say. */
  effects: Effect[];
  steps: Step[];
}

/** What an effect finds on a device it destroys or keeps: its filesystem, label and the system on it. */
export interface Existing {
  fstype?: string;
  label?: string;
  /** os-release's PRETTY_NAME (`Old Linux 1.0`), or `Windows`. */
  os?: string;
}

/**
 * A partition an effect acts on: its device when it has one now (`/dev/sdb2`), else its disk and number
 * (a partition of an image file, whose loop device exists only while installing).
 */
export interface PartRef {
  disk: string;
  number?: number;
  device?: string;
}

/** One thing the install does to a disk, said so that a person knows what is lost and what is kept. */
export type Effect =
  /** Each partition of an erased disk goes, with what is on it. */
  | { kind: 'delete-partition'; part: PartRef; sizeBytes: number; existing?: Existing }
  /** A new, empty partition table on the whole disk. */
  | { kind: 'new-table'; disk: string; table: 'gpt' | 'dos'; sizeBytes: number; model?: string }
  | { kind: 'create-partition'; part: PartRef; role: PartitionRole; sizeBytes: number }
  /** A LUKS2 container made on the partition: what is inside is encrypted. */
  | { kind: 'encrypt'; part: PartRef; sizeBytes: number }
  /** A new filesystem (inside the container when `encrypted`); `existing`: what it replaces on an existing partition. */
  | { kind: 'format'; part: PartRef; fstype: FilesystemType; sizeBytes: number; mountpoint: string; encrypted?: boolean; existing?: Existing }
  /** Used as it is (another system's ESP): written into (GRUB's files), not formatted. */
  | { kind: 'keep'; part: PartRef; sizeBytes: number; mountpoint: string; existing?: Existing };

/** What the executor needs of a plan: an install's Plan, or a repair's (electron/engine/rescue/plan.ts). */
export interface ExecutablePlan {
  steps: Step[];
  partitions: PlannedPartition[];
  targetRoot: string;
  erase?: Plan['erase'];
}
