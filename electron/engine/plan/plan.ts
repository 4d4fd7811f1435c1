// The planner: a pure function (answers, machine, sysroot, env) → Plan, or why not.
// Every decision is taken here (layout, sizes, UUIDs, file contents, commands); the executor only follows.
import type { Answers, Filesystem } from '../../shared/answers.ts';
import { DEFAULT_LOCALE, localeFromCmdline } from '../answers/locale.ts';
import type { Problem } from '../answers/validate.ts';
import type { DiskInfo, MachineFacts, PartitionInfo, Refusal, SysrootInfo } from '../../shared/facts.ts';
import { partitionRefusalsFor, refusalsFor, requiredBytes, requiredRootBytes } from '../disks/safety.ts';
import { grubPlatform } from './bootloader.ts';
import { BOOT_BYTES, concreteLayout, diskLayout, firmwareOfLayout, PART_TYPES, vfatVolumeId } from './layout.ts';
import { eraseEffects, partitionEffects } from './effects.ts';
import { buildSteps, type StepInput } from './steps.ts';
import { layoutForLocale } from '../../shared/keyboard.ts';
import { encryptionBlockers } from '../../shared/encryption.ts';
import { swapBytesFor, swapFilePath } from './swap.ts';
import type { Effect, Plan, PlannedFilesystem, PlannedPartition } from '../../shared/plan.ts';

export interface PlanEnv {
  /** Where the target's root is mounted while installing (e.g. /run/livekit/target). */
  targetRoot: string;
  /** A fresh UUID per call (tests pass a deterministic one). Called in order: root, ESP, LUKS, /boot, swap. */
  newUuid: () => string;
  /** Where the engine's log ends up in the installed system (`/var/log/livekit-installer.log`). */
  logPath: string;
}

export type PlanResult =
  | { ok: true; plan: Plan }
  | { ok: false; refusals: { disk: string; refusals: Refusal[] }[]; problems: Problem[] };

export const DEFAULT_LOG_PATH = '/var/log/livekit-installer.log';

const problem = (path: string, code: string, message: string, params?: Record<string, string | number>): Problem => ({
  path,
  code: `plan:problem.${code}`,
  message,
  ...(params ? { params } : {}),
});

function findPartition(machine: MachineFacts, path: string): { disk: DiskInfo; part: PartitionInfo } | undefined {
  for (const disk of machine.disks) {
    const part = disk.partitions.find((p) => p.path === path);
    if (part) return { disk, part };
  }
  return undefined;
}

/** The target as the steps see it, or the reasons it cannot be used. */
interface Target {
  partitions: PlannedPartition[];
  firmware: 'uefi' | 'bios';
  diskRef: string;
  erase?: Plan['erase'];
  partitionTable?: 'gpt' | 'dos';
  sfdiskScript?: string;
  image?: string;
  espVolid?: string;
  swapBytes: number;
  effects: Effect[];
}

type Collect = { problems: Problem[]; refusals: { disk: string; refusals: Refusal[] }[] };

function swapOrProblem(answers: Answers, machine: MachineFacts, rootSpace: number, out: Collect): number {
  try {
    return swapBytesFor(answers.target.swap, machine.ramBytes, rootSpace);
  } catch (e) {
    out.problems.push(problem('target.swap', 'swap-size', (e as Error).message, { value: answers.target.swap }));
    return 0;
  }
}

function eraseDiskTarget(answers: Answers, machine: MachineFacts, sysroot: SysrootInfo, env: PlanEnv, out: Collect): Target | undefined {
  const path = answers.target.disk!;
  const disk = machine.disks.find((d) => d.path === path);
  if (!disk) {
    out.refusals.push({ disk: path, refusals: [{ code: 'not-found', params: { device: path } }] });
    return undefined;
  }
  const layoutName = concreteLayout(answers.target.layout, machine.firmware);
  const firmware = firmwareOfLayout(layoutName);
  // UUIDs are drawn in a fixed order (root, ESP, then the container and /boot of an encrypted install).
  const rootUuid = env.newUuid();
  const esp = layoutName === 'gpt-uefi' ? vfatVolumeId(env.newUuid()) : undefined;
  const encrypted = answers.encryption ? { luks: env.newUuid(), boot: env.newUuid() } : {};
  const layout = diskLayout(layoutName, disk.sizeBytes, answers.target.filesystem, { root: rootUuid, ...(esp ? { esp: esp.uuid } : {}), ...encrypted });
  const rootSpace = layout.partitions.find((p) => p.role === 'root')?.sizeBytes ?? 0;
  const swapBytes = swapOrProblem(answers, machine, rootSpace, out);
  const refusals = refusalsFor(disk, machine, requiredBytes(sysroot, swapBytes, firmware) + (answers.encryption ? BOOT_BYTES : 0));
  if (refusals.length) out.refusals.push({ disk: disk.path, refusals });
  const image = disk.type === 'image';
  return {
    partitions: layout.partitions,
    firmware,
    diskRef: '{disk}',
    erase: { path: disk.path, ...(disk.model ? { model: disk.model } : {}), sizeBytes: disk.sizeBytes, image },
    partitionTable: layout.table,
    sfdiskScript: layout.sfdiskScript,
    ...(image ? { image: disk.path } : {}),
    ...(esp ? { espVolid: esp.volid } : {}),
    swapBytes,
    effects: eraseEffects(disk, layout.table, layout.partitions),
  };
}

function partitionsTarget(answers: Answers, machine: MachineFacts, sysroot: SysrootInfo, env: PlanEnv, out: Collect): Target | undefined {
  const want = answers.target.partitions!;
  const root = findPartition(machine, want.root);
  if (!root) out.refusals.push({ disk: want.root, refusals: [{ code: 'not-found', params: { device: want.root } }] });
  const esp = want.efi !== undefined ? findPartition(machine, want.efi) : undefined;
  if (want.efi !== undefined && !esp) out.refusals.push({ disk: want.efi, refusals: [{ code: 'not-found', params: { device: want.efi } }] });
  const firmware = machine.firmware;
  if (firmware === 'uefi' && want.efi === undefined && answers.bootloader === 'auto') {
    out.problems.push(problem('target.partitions.efi', 'esp-missing', 'This machine boots with UEFI: name the EFI system partition (target.partitions.efi)'));
  }
  if (want.efi !== undefined && want.efi === want.root) {
    out.problems.push(problem('target.partitions.efi', 'esp-is-root', 'The EFI system partition cannot also be the root partition'));
  }
  if (!root) return undefined;
  // GRUB for BIOS on a GPT disk embeds its core image in a BIOS boot partition; without one it fails late.
  const gpt = root.disk.partitions.some((p) => p.parttype?.includes('-'));
  const biosBoot = root.disk.partitions.some((p) => p.parttype?.toUpperCase() === PART_TYPES.biosBoot);
  if (firmware === 'bios' && answers.bootloader === 'auto' && gpt && !biosBoot) {
    out.problems.push(problem('target.partitions.root', 'bios-boot-missing', `${root.disk.path} has a GPT partition table but no BIOS boot partition for GRUB`, { disk: root.disk.path }));
  }

  if (answers.encryption) {
    out.problems.push(problem('encryption', 'encryption-needs-disk', 'Encryption needs a whole disk to erase: a plain /boot is made beside the encrypted root'));
  }
  const rootUuid = env.newUuid();
  const swapBytes = swapOrProblem(answers, machine, root.part.sizeBytes, out);
  const rootRefusals = partitionRefusalsFor(root.part, root.disk, machine, requiredRootBytes(sysroot, swapBytes));
  if (rootRefusals.length) out.refusals.push({ disk: root.part.path, refusals: rootRefusals });
  const partitions: PlannedPartition[] = [
    { role: 'root', device: root.part.path, sizeBytes: root.part.sizeBytes, fs: { type: answers.target.filesystem, uuid: rootUuid, format: true, mountpoint: '/' } },
  ];
  if (esp) {
    const espRefusals = partitionRefusalsFor(esp.part, esp.disk, machine, null);
    if (espRefusals.length) out.refusals.push({ disk: esp.part.path, refusals: espRefusals });
    // The ESP is kept (another system may boot from it): it must already be FAT, and fstab names its UUID.
    if (esp.part.fstype !== undefined && esp.part.fstype !== 'vfat') {
      out.problems.push(problem('target.partitions.efi', 'esp-not-vfat', `${esp.part.path} holds ${esp.part.fstype}, not a FAT EFI system partition`, { device: esp.part.path, fstype: esp.part.fstype }));
    } else if (!esp.part.uuid) {
      out.problems.push(problem('target.partitions.efi', 'esp-unformatted', `${esp.part.path} has no FAT filesystem`, { device: esp.part.path }));
    }
    const espUuid = esp.part.uuid;
    partitions.unshift({ role: 'esp', device: esp.part.path, sizeBytes: esp.part.sizeBytes, fs: { type: 'vfat', ...(espUuid ? { uuid: espUuid } : {}), format: false, mountpoint: '/boot/efi' } });
  }
  return { partitions, firmware, diskRef: root.disk.path, swapBytes, effects: partitionEffects(partitions, (d) => findPartition(machine, d)) };
}

/** Checks that the chosen bootloader can be installed from this sysroot on this machine. */
function bootloaderPlatform(answers: Answers, machine: MachineFacts, sysroot: SysrootInfo, firmware: 'uefi' | 'bios', out: Collect): string | undefined {
  if (answers.bootloader === 'none') return undefined;
  const platform = grubPlatform(machine.arch, firmware);
  if (!platform) {
    out.problems.push(problem('target.layout', 'firmware-unsupported', `GRUB cannot boot ${firmware.toUpperCase()} on ${machine.arch}`, { arch: machine.arch, firmware }));
    return undefined;
  }
  if (!sysroot.tools.grub) {
    out.problems.push(problem('bootloader', 'no-grub', `The variant "${sysroot.name}" has no GRUB to install: use bootloader: none`, { variant: sysroot.name }));
    return undefined;
  }
  if (!sysroot.tools.grubPlatforms.includes(platform)) {
    out.problems.push(problem('bootloader', 'no-grub-platform', `The variant "${sysroot.name}" lacks GRUB's ${platform} modules: use bootloader: none or another layout`, { variant: sysroot.name, platform }));
    return undefined;
  }
  return platform;
}

function userProblems(answers: Answers, sysroot: SysrootInfo, out: Collect): void {
  const u = answers.user;
  if (!sysroot.tools.useradd) out.problems.push(problem('user.name', 'no-useradd', `The variant "${sysroot.name}" has no useradd`, { variant: sysroot.name }));
  if ((u.password !== undefined || u['password-hash'] !== undefined) && !sysroot.tools.chpasswd) {
    out.problems.push(problem('user.password', 'no-chpasswd', `The variant "${sysroot.name}" has no chpasswd`, { variant: sysroot.name }));
  }
  if (u.autologin && !sysroot.tools.displayManager) {
    out.problems.push(problem('user.autologin', 'no-autologin', `The variant "${sysroot.name}" has no display manager whose autologin the installer can set (LightDM, SDDM)`, { variant: sysroot.name }));
  }
  if (answers.root && !sysroot.tools.chpasswd) {
    out.problems.push(problem('root.password', 'no-chpasswd', `The variant "${sysroot.name}" has no chpasswd`, { variant: sysroot.name }));
  }
  if (sysroot.tools.existingUsers.includes(u.name)) {
    out.problems.push(problem('user.name', 'user-exists', `The user "${u.name}" already exists in "${sysroot.name}"`, { name: u.name }));
  }
}

/** The variant must be able to open its encrypted root (shared/encryption.ts: the wizard says the same). */
function encryptionProblems(answers: Answers, machine: MachineFacts, sysroot: SysrootInfo, out: Collect): void {
  if (!answers.encryption) return;
  for (const f of encryptionBlockers(sysroot.tools, sysroot.name, machine)) {
    const message =
      f.code === 'no-dm-crypt'
        ? 'This machine\'s kernel cannot open an encrypted disk (no device-mapper or dm-crypt)'
        : f.code === 'no-cryptsetup'
          ? `The variant "${sysroot.name}" has no cryptsetup`
          : `The variant "${sysroot.name}" cannot ask for the passphrase at boot (no ${String(f.params?.package)})`;
    out.problems.push(problem('encryption', f.code, message, f.params));
  }
}

/** The host path of the log inside the target (accepts a path already under the target root). */
function logHostPath(env: PlanEnv): string {
  const p = env.logPath || DEFAULT_LOG_PATH;
  return p.startsWith(`${env.targetRoot}/`) ? p : `${env.targetRoot}${p.startsWith('/') ? '' : '/'}${p}`;
}

/** The root filesystem's own tree: btrfs subvolumes (`@` the root, `@home`, `@swap`), and the swap file. */
function withRootContents(partitions: PlannedPartition[], fs: Filesystem, swapFile: PlannedFilesystem['swapFile']): PlannedPartition[] {
  return partitions.map((p) => {
    if (p.role !== 'root' || !p.fs) return p;
    const subvolumes = fs === 'btrfs' ? [{ name: '@', mountpoint: '/' }, { name: '@home', mountpoint: '/home' }, ...(swapFile ? [{ name: '@swap', mountpoint: '/swap' }] : [])] : undefined;
    return { ...p, fs: { ...p.fs, ...(subvolumes ? { subvolumes } : {}), ...(swapFile ? { swapFile } : {}) } };
  });
}

export function plan(answers: Answers, machine: MachineFacts, sysroot: SysrootInfo, env: PlanEnv): PlanResult {
  const out: Collect = { problems: [], refusals: [] };
  if (!sysroot.installable) out.problems.push(problem('variant', 'not-installable', `"${sysroot.name}" is a Live-only sysroot`, { variant: sysroot.name }));

  let target: Target | undefined;
  if (answers.target.partitions) target = partitionsTarget(answers, machine, sysroot, env, out);
  else if (answers.target.disk) target = eraseDiskTarget(answers, machine, sysroot, env, out);
  else out.problems.push(problem('target', 'no-target', 'Name target.disk or target.partitions'));

  userProblems(answers, sysroot, out);
  encryptionProblems(answers, machine, sysroot, out);
  const platform = target ? bootloaderPlatform(answers, machine, sysroot, target.firmware, out) : undefined;
  // The swap UUID is drawn after the target's, so it is the same whatever the checks found.
  const swapUuid = target && target.swapBytes > 0 ? env.newUuid() : undefined;
  if (!target || out.problems.length || out.refusals.length) return { ok: false, refusals: out.refusals, problems: out.problems };

  const locale = answers.locale ?? localeFromCmdline(machine.cmdline) ?? DEFAULT_LOCALE;
  const partitions = withRootContents(target.partitions, answers.target.filesystem, swapUuid ? { path: swapFilePath(answers.target.filesystem), sizeBytes: target.swapBytes, uuid: swapUuid } : undefined);
  const input: StepInput = {
    answers,
    machine,
    sysroot,
    targetRoot: env.targetRoot,
    logPath: logHostPath(env),
    locale,
    partitions,
    diskRef: target.diskRef,
    firmware: target.firmware,
    ...(target.image ? { image: target.image } : {}),
    ...(target.sfdiskScript !== undefined ? { sfdiskScript: target.sfdiskScript } : {}),
    ...(target.espVolid ? { espVolid: target.espVolid } : {}),
    ...(platform ? { grubPlatform: platform } : {}),
  };

  const { user, root: rootAccount, encryption, ...rest } = answers;
  const password = user['password-hash'] !== undefined ? 'hashed' : user.password !== undefined ? 'set' : 'none';
  const root = rootAccount?.['password-hash'] !== undefined ? 'hashed' : rootAccount?.password !== undefined ? 'set' : 'locked';
  return {
    ok: true,
    plan: {
      version: 1,
      answers: {
        ...rest,
        keyboard: answers.keyboard ?? { layout: layoutForLocale(locale) },
        user: { name: user.name, ...(user.fullname !== undefined ? { fullname: user.fullname } : {}), password, admin: user.admin !== false, autologin: user.autologin === true },
        root,
        // Whether, never how: the passphrase is a secret (shared/secrets.ts).
        ...(encryption ? { encryption: 'luks2' as const } : {}),
      },
      variant: { name: sysroot.name, path: sysroot.path, sizeBytes: sysroot.sizeBytes, inodes: sysroot.inodes },
      ...(target.erase ? { erase: target.erase } : {}),
      firmware: target.firmware,
      ...(target.partitionTable ? { partitionTable: target.partitionTable } : {}),
      partitions,
      targetRoot: env.targetRoot,
      locale,
      effects: target.effects,
      steps: buildSteps(input),
    },
  };
}
