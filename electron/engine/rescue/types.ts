// Plain data about the installed systems found on this machine's disks (`livekit systems`): what the
// prober read from each volume, and what the classifier made of it. JSON-serialisable, secret-free.
import type { Refusal, TargetTools } from '../../shared/facts.ts';

/** What the prober read from one volume, mounted read-only in a private mount namespace (or with mtools). */
export interface VolumeProbe {
  device: string;
  /** The filesystem could be mounted and read. */
  read: boolean;
  /** Why it could not be read (the mount's error). */
  error?: string;
  /** btrfs: the subvolume that holds the system (`@`); '' for the top level. */
  subvol?: string;
  /** btrfs: the subvolumes at the top level. */
  subvolumes?: string[];
  osRelease?: Record<string, string>;
  fstab?: string;
  /** A system's /etc/crypttab, when it has one (the name it gives its encrypted root's mapping). */
  crypttab?: string;
  /** Paths under the system's /boot (or under a separate /boot filesystem's top), relative, e.g. `vmlinuz-6.1.0-9-amd64`, `grub/grub.cfg`. */
  bootFiles?: string[];
  tools?: TargetTools;
  /** Login users: uid 1000 and up with a real shell (names only; no password data is read). */
  users?: string[];
  /** A FAT filesystem: its files under EFI/ as `EFI/BOOT/BOOTX64.EFI` (read with mtools, no mount). */
  efiFiles?: string[];
}

/** Everything the classifier needs besides the machine facts. */
export interface ProbeResults {
  volumes: VolumeProbe[];
  /** Per whole disk: whether its first sector holds GRUB's boot code (BIOS). */
  bootCode: Record<string, boolean>;
  /** Filesystems the running kernel can mount (/proc/filesystems): vfat may be missing. */
  kernelFilesystems: string[];
}

/** One fstab entry of a system, matched against the disks found. */
export interface SystemMount {
  mountpoint: string;
  spec: string;
  fstype: string;
  options: string[];
  /** The partition the spec names, when one matches. */
  device?: string;
  /** Names a block device no disk has any more (a stale UUID). */
  stale: boolean;
  /** The partition that should be named instead, when there is exactly one good answer. */
  suggestion?: { device: string; uuid: string };
  line: number;
}

export type { SystemProblemCode, SystemProblem, OtherKind, OtherVolume, LockedVolume } from '../../shared/rescue.ts';
import type { SystemProblem, OtherVolume, LockedVolume } from '../../shared/rescue.ts';

/** A system's root inside an opened LUKS container: the container, and the mapping it is opened as. */
export interface SystemLuks {
  /** The container's partition (`/dev/sdb3`). */
  device: string;
  uuid: string;
  /** The mapping the plans open it as (/dev/mapper/<name>): crypttab's name when it is free. */
  name: string;
  /** The name the system's crypttab gives it (its initramfs opens it under that name at boot). */
  crypttabName?: string;
}

export interface InstalledSystem {
  /**
   * The root partition's kernel name (`sda2`, `nvme0n1p3`): what `livekit mount <system>` takes. An encrypted
   * root's is its container's partition (`sdb3`), as the locked volume was listed.
   */
  id: string;
  /** PRETTY_NAME, else NAME, else ID from os-release. */
  name: string;
  osRelease: Record<string, string>;
  disk: string;
  /** The root filesystem: for an encrypted root, on its mapping (`/dev/mapper/luks-…`). */
  root: { device: string; fstype: string; uuid?: string; subvol?: string };
  /** The root is inside this LUKS container (opened with its passphrase by each plan). */
  luks?: SystemLuks;
  mounts: SystemMount[];
  /** How the system boots: UEFI when its fstab mounts an ESP, else BIOS. */
  firmware: 'uefi' | 'bios';
  /** The Live session was started the same way (only then can UEFI boot entries be written). */
  firmwareMatches: boolean;
  grub: { tool?: 'grub' | 'grub2'; platforms: string[]; config: boolean; efiBinary?: boolean; biosCode?: boolean };
  /** Kernel versions with an image in /boot. */
  kernels: string[];
  /** Initramfs images in /boot. */
  initramfs: string[];
  initramfsTool?: TargetTools['initramfs'];
  users: string[];
  tools: TargetTools;
  problems: SystemProblem[];
  /** Why it cannot be repaired now (its disk holds the Live medium, something on it is mounted); empty: it can. */
  refusals: Refusal[];
}

export interface FoundSystems {
  systems: InstalledSystem[];
  /** Encrypted volumes: each may hold a system, found once its passphrase opens it. */
  locked: LockedVolume[];
  others: OtherVolume[];
}
