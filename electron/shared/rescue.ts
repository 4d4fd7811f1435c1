// Maintenance of installed systems as the UI and the CLI see it: the systems found, the repairs, their
// plans and outcomes. Plain, secret-free data; the engine (electron/engine/rescue/) produces it.
import type { Refusal } from './facts.ts';
import type { PlannedPartition, Step } from './plan.ts';

export const REPAIR_KINDS = ['boot', 'fstab', 'password', 'fsck', 'copy-home'] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];
/** The repairs the wizard offers (copy-home needs a destination disk: CLI only for now). */
export const UI_REPAIR_KINDS = ['boot', 'fstab', 'password', 'fsck'] as const satisfies readonly RepairKind[];
export type UiRepairKind = (typeof UI_REPAIR_KINDS)[number];

/** A repair's (or a mount's) plan. The executor runs it like an install's; it is secret-free. */
export interface RepairPlan {
  version: 1;
  kind: 'repair';
  repair: RepairKind | 'mount';
  system: { id: string; name: string; disk: string; root: string };
  firmware: 'uefi' | 'bios';
  /** The system's partitions by role (the executor links /dev/disk/by-uuid for them without udev). */
  partitions: PlannedPartition[];
  /** Where the system's root is mounted while repairing. */
  targetRoot: string;
  /** Mount points left out, each with why (a stale fstab source, a FAT the kernel cannot mount). */
  skipped: { mountpoint: string; reason: 'stale' | 'no-vfat' | 'not-local' }[];
  steps: Step[];
}

/** A problem that stops a repair from being planned; `code` maps to `cli:repair.problem.<code>`. */
export interface RepairProblem {
  /** `crypttab-name-taken`: the name the crypttab of an encrypted system gives its container is in use here. */
  code: 'needs-fstab' | 'no-grub' | 'no-grub-platform' | 'no-initramfs-tool' | 'no-kernel' | 'no-user' | 'no-chpasswd' | 'nothing-to-fix' | 'no-home' | 'no-fsck' | 'crypttab-name-taken';
  params?: Record<string, string>;
}

export type SystemProblemCode = 'fstab-stale' | 'no-kernel' | 'no-initramfs' | 'no-grub-config' | 'no-efi-binary' | 'no-bios-boot-code' | 'no-grub';

/** Something wrong with a system that a repair can fix; `code` maps to `cli:systems.problem.<code>`. */
export interface SystemProblem {
  code: SystemProblemCode;
  params?: Record<string, string>;
}

export type OtherKind = 'live-medium' | 'in-use' | 'lvm' | 'windows' | 'unknown' | 'unreadable';

/**
 * An encrypted (LUKS) volume, listed locked: its passphrase opens it (`livekit mount|shell|repair <id>`, the
 * wizard's Unlock), and the system inside is then found as on any volume.
 */
export interface LockedVolume {
  /** The container's partition kernel name (`sdb3`): what the commands take, locked or opened. */
  id: string;
  device: string;
  disk: string;
  /** The container's header: its UUID (the one crypttab names). */
  luks: { uuid: string };
  sizeBytes: number;
  label?: string;
  /** Why it cannot be opened now (its disk holds the Live medium, something on it is mounted); empty: it can. */
  refusals: Refusal[];
}

/** A volume that is not a repairable Linux system, and why; `kind` maps to `cli:systems.other.<kind>`. */
export interface OtherVolume {
  kind: OtherKind;
  device: string;
  disk: string;
  fstype?: string;
  label?: string;
  detail?: string;
}

/** One filesystem's read-only check (fsck -n and kin). */
export interface FsckResult {
  device: string;
  fstype: string;
  mountpoint: string;
  command: string[];
  exitCode: number;
  clean: boolean;
  /** The check's output. */
  output: string;
}

/** An installed system as the wizard lists it. */
export interface UiSystem {
  id: string;
  name: string;
  disk: string;
  /** The disk's model or image file, when known. */
  diskLabel?: string;
  diskBytes: number;
  root: { device: string; fstype: string; subvol?: string };
  firmware: 'uefi' | 'bios';
  firmwareMatches: boolean;
  kernels: string[];
  users: string[];
  problems: SystemProblem[];
  /** Why it cannot be repaired now; empty: it can. */
  refusals: Refusal[];
  /** Inside a LUKS container (opened with its passphrase): the container's partition. */
  encrypted?: { device: string };
}

/** A locked volume as the wizard lists it, with an Unlock action. */
export interface UiLocked extends LockedVolume {
  diskLabel?: string;
  diskBytes: number;
}

export interface UiSystems {
  systems: UiSystem[];
  locked: UiLocked[];
  others: OtherVolume[];
}

export interface RepairRequest {
  system: string;
  repair: UiRepairKind;
  /** The account (password). */
  user?: string;
  /** A locked system's passphrase: the inside is looked at again (and fsck's check runs) while planning; never kept. */
  passphrase?: string;
}

export type RepairOutcome =
  /** `planId` names the plan the service keeps: `repair({ planId })` runs exactly this plan. */
  | { ok: true; plan: RepairPlan; planId: string; fsck?: FsckResult[] }
  /** `nothing`: there is nothing to repair (a clean fsck, a fstab without stale sources). */
  | { ok: false; problems: RepairProblem[]; refusals: Refusal[]; fsck?: FsckResult[] };

/** "Open a terminal in this system": started in the Live session, or the command to type when it cannot be. */
export interface TerminalOutcome {
  started: boolean;
  /** What a person would type in a terminal of the Live session. */
  command: string[];
  /** Why it was not started: no graphical session found, no terminal program, a demo. */
  reason?: 'no-session' | 'no-terminal' | 'demo' | 'failed';
}

/** One action of a repair plan as the command line it is (what the CLI prints and the wizard shows). */
export function repairActionText(a: RepairPlan['steps'][number]['actions'][number]): string {
  switch (a.kind) {
    case 'run':
      return `${a.chroot ? 'chroot: ' : ''}${a.argv.join(' ')}${a.stdinSecret ? ' < (secret)' : ''}`;
    case 'mount':
      return `mount ${a.bind ? '--bind ' : ''}${a.fstype ? `-t ${a.fstype} ` : ''}${a.options?.length ? `-o ${a.options.join(',')} ` : ''}${a.source} ${a.target}`;
    case 'write-file':
      return `${a.append ? 'append' : 'write'} ${a.path}`;
    case 'copy':
      return `rsync ${a.source}/ → ${a.target}/`;
    case 'release':
      return 'umount (everything above, newest first)';
    case 'save-log':
      return `save log → ${a.path}`;
    case 'open-luks':
      return `cryptsetup open ${a.device} ${a.name} < (passphrase)`;
    default:
      return a.kind;
  }
}
