// Pure: the ordered install steps, built from a target that plan.ts has already checked.
import type { Answers } from '../../shared/answers.ts';
import type { MachineFacts, SysrootInfo } from '../../shared/facts.ts';
import { grubCommands, initramfsCommand } from './bootloader.ts';
import {
  adjtimeContent,
  crypttabContent,
  autologinFile,
  defaultKeyboardContent,
  fstabContent,
  hostsContent,
  isDebianLike,
  localeGenLine,
  needsLocaleGen,
  swapFstabLine,
  xorgKeyboardContent,
} from './etc-files.ts';
import { layoutForLocale } from '../../shared/keyboard.ts';
import { MiB } from '../disks/safety.ts';
import type { Action, PlannedPartition, Step, StepId } from '../../shared/plan.ts';

/** Everything the steps need, decided and checked beforehand. */
export interface StepInput {
  answers: Answers;
  machine: MachineFacts;
  sysroot: SysrootInfo;
  targetRoot: string;
  /** Host path the engine's log is copied to (inside the target root). */
  logPath: string;
  locale: string;
  /** The image file to attach, when the target is one. */
  image?: string;
  /** The sfdisk script, when a disk is erased. */
  sfdiskScript?: string;
  partitions: PlannedPartition[];
  /** `{disk}`, or the concrete disk when installing into existing partitions. */
  diskRef: string;
  firmware: 'uefi' | 'bios';
  /** The ESP's volume id for mkfs.vfat -i (8 hex digits) when it is formatted. */
  espVolid?: string;
  /** GRUB platform, or undefined for `bootloader: none`. */
  grubPlatform?: string;
}

/**
 * The options of a new LUKS2 container. argon2id calibrated by cryptsetup on the machine being installed
 * (the one that will boot) for 2 s, its memory capped at 512 MiB so that a 2 GiB machine unlocks it with room
 * to spare (measured: bench/RESULTS-luks-boot.md; 1 GiB still opens on 2 GiB, with a warning).
 */
export const LUKS_FORMAT_OPTIONS = ['--type', 'luks2', '--cipher', 'aes-xts-plain64', '--key-size', '512', '--pbkdf', 'argon2id', '--pbkdf-memory', '524288', '--pbkdf-parallel', '4', '--iter-time', '2000'];

/** The parts of the device tree the steps act on. */
function treeOf(partitions: PlannedPartition[]) {
  const root = partitions.find((p) => p.role === 'root')!;
  const rootFs = root.fs!;
  return {
    root,
    rootFs,
    /** Where the root filesystem lives: the partition, or the opened container. */
    rootDev: root.luks ? `/dev/mapper/${root.luks.name}` : '{part:root}',
    boot: partitions.find((p) => p.role === 'boot' && p.fs?.format),
    esp: partitions.find((p) => p.role === 'esp'),
    swap: rootFs.swapFile,
  };
}

/** Progress weights: the copy dominates; the initramfs and GRUB take a while too. */
export const WEIGHTS: Record<StepId, number> = {
  attach: 1,
  partition: 2,
  format: 4,
  mount: 1,
  copy: 70,
  fstab: 1,
  hostname: 1,
  locale: 1,
  keyboard: 1,
  timezone: 1,
  rtc: 1,
  user: 2,
  'machine-id': 1,
  swap: 2,
  initramfs: 8,
  bootloader: 5,
  log: 1,
  unmount: 1,
  check: 3,
  detach: 1,
  unlock: 2,
  password: 2,
  fsck: 20,
  'copy-home': 70,
};
/** locale-gen compiles locale data: heavier than writing a file. */
const LOCALE_GEN_WEIGHT = 4;

const run = (argv: string[], extra: Omit<Extract<Action, { kind: 'run' }>, 'kind' | 'argv'> = {}): Action => ({
  kind: 'run',
  argv,
  ...extra,
});

export function buildSteps(i: StepInput): Step[] {
  const root = i.targetRoot;
  const at = (p: string) => `${root}${p}`;
  const steps: Step[] = [];
  const step = (id: StepId, actions: Action[], weight = WEIGHTS[id]) => {
    if (actions.length) steps.push({ id, label: `plan:step.${id}`, weight, actions });
  };
  // chroot commands need the host's /dev, /proc, /sys and /run; bound once, after the copy (rsync must
  // never write into them), by the first step that runs something inside the target.
  let bound = false;
  const inTarget = (actions: Action[]): Action[] => {
    if (bound || !actions.some((a) => a.kind === 'run' && a.chroot)) return actions;
    bound = true;
    const binds: Action[] = ['/dev', '/proc', '/sys', '/run'].map((d) => ({ kind: 'mount', source: d, target: at(d), bind: true }));
    return [...binds, ...actions];
  };
  const fs = i.answers.target.filesystem;
  const tree = treeOf(i.partitions);
  const { rootDev, rootFs, swap } = tree;
  const rootUuid = rootFs.uuid!;
  const tools = i.sysroot.tools;

  if (i.image) step('attach', [{ kind: 'attach-image', image: i.image }]);

  if (i.sfdiskScript !== undefined) {
    step('partition', [
      run(['wipefs', '-a', '{disk}']),
      run(['sfdisk', '--wipe', 'always', '--wipe-partitions', 'always', '{disk}'], { stdin: i.sfdiskScript }),
      { kind: 'settle-partitions' },
    ]);
  }

  const format: Action[] = [];
  if (i.espVolid) format.push(run(['mkfs.vfat', '-F', '32', '-n', 'EFI', '-i', i.espVolid, '{part:esp}']));
  if (tree.boot) format.push(run(['mkfs.ext4', '-F', '-q', '-U', tree.boot.fs!.uuid!, '{part:boot}']));
  const luks = tree.root.luks;
  if (luks) {
    // The passphrase reaches cryptsetup on stdin only, as it is: a key file is read whole, a newline included.
    const secret = { ref: 'encryption.passphrase' as const, template: '{secret}' };
    format.push(run(['cryptsetup', 'luksFormat', ...LUKS_FORMAT_OPTIONS, '--uuid', luks.uuid, '--batch-mode', '--key-file=-', '{part:root}'], { stdinSecret: secret }));
    format.push({ kind: 'open-luks', device: '{part:root}', name: luks.name, secret: secret.ref });
  }
  if (fs === 'ext4') format.push(run(['mkfs.ext4', '-F', '-q', '-U', rootUuid, rootDev]));
  if (fs === 'xfs') format.push(run(['mkfs.xfs', '-f', '-q', '-m', `uuid=${rootUuid}`, rootDev]));
  if (fs === 'btrfs') {
    // Subvolumes are made on the top level, mounted at the target root; the mount step binds @ over it
    // (a second mount of the same btrfs on one mount point is refused with EBUSY; a bind is not).
    format.push(run(['mkfs.btrfs', '-f', '-q', '-U', rootUuid, rootDev]));
    format.push({ kind: 'mount', source: rootDev, target: root, fstype: 'btrfs' });
    for (const sv of rootFs.subvolumes ?? []) format.push(run(['btrfs', 'subvolume', 'create', at(`/${sv.name}`)]));
  }
  step('format', format);

  const mount: Action[] =
    fs === 'btrfs'
      ? [
          { kind: 'mount', source: at('/@'), target: root, bind: true },
          ...(rootFs.subvolumes ?? [])
            .filter((sv) => sv.name !== '@')
            .map((sv): Action => ({ kind: 'mount', source: rootDev, target: at(sv.mountpoint), fstype: 'btrfs', options: [`subvol=${sv.name}`] })),
        ]
      : [{ kind: 'mount', source: rootDev, target: root, fstype: fs }];
  // A plain /boot is mounted before the copy, so the kernel and initramfs land on it.
  if (tree.boot) mount.push({ kind: 'mount', source: '{part:boot}', target: at('/boot'), fstype: 'ext4' });
  step('mount', mount);

  // The copy lands in the page cache: syncfs reports a write the target refused (a full host filesystem under
  // an image, a failing disk), which the copier never saw; and the target must still be the one planned for.
  step('copy', [
    {
      kind: 'copy',
      source: i.sysroot.path,
      target: root,
      totalBytes: i.sysroot.sizeBytes,
      totalFiles: i.sysroot.inodes,
      method: i.sysroot.copyMethod ?? { kind: 'rsync', reason: 'not-layered', detail: 'no layer stack is known for this sysroot' },
    },
    run(['sync', '-f', root]),
    { kind: 'verify-target' },
  ]);

  const espUuid = tree.esp?.fs?.uuid;
  step('fstab', [
    {
      kind: 'write-file',
      path: at('/etc/fstab'),
      content: fstabContent({
        filesystem: fs,
        rootUuid,
        ...(espUuid ? { espUuid } : {}),
        ...(tree.boot ? { bootUuid: tree.boot.fs!.uuid! } : {}),
        ...(swap ? { swapFile: swap.path } : {}),
      }),
    },
    ...(luks ? [{ kind: 'write-file', path: at('/etc/crypttab'), content: crypttabContent({ name: luks.name, luksUuid: luks.uuid }) } as Action] : []),
  ]);

  step('hostname', [
    { kind: 'write-file', path: at('/etc/hostname'), content: `${i.answers.hostname}\n` },
    { kind: 'write-file', path: at('/etc/hosts'), content: hostsContent(i.answers.hostname) },
  ]);

  const localeLine = `LANG=${i.locale}\n`;
  const locale: Action[] = [{ kind: 'write-file', path: at('/etc/locale.conf'), content: localeLine }];
  if (isDebianLike(i.sysroot.osRelease)) locale.push({ kind: 'write-file', path: at('/etc/default/locale'), content: localeLine });
  const gen = tools.localeGen === true && needsLocaleGen(i.locale, tools.locales ?? []);
  if (gen) {
    locale.push({ kind: 'write-file', path: at('/etc/locale.gen'), content: localeGenLine(i.locale), append: true });
    locale.push(run(['locale-gen', '--keep-existing'], { chroot: true }));
  }
  step('locale', inTarget(locale), WEIGHTS.locale + (gen ? LOCALE_GEN_WEIGHT : 0));

  const keyboard = i.answers.keyboard ?? { layout: layoutForLocale(i.locale) };
  step('keyboard', [
    { kind: 'write-file', path: at('/etc/default/keyboard'), content: defaultKeyboardContent(keyboard) },
    { kind: 'write-file', path: at('/etc/X11/xorg.conf.d/00-keyboard.conf'), content: xorgKeyboardContent(keyboard) },
  ]);

  const tz = i.answers.timezone;
  step('timezone', [
    run(['ln', '-sfn', `../usr/share/zoneinfo/${tz}`, at('/etc/localtime')]),
    { kind: 'write-file', path: at('/etc/timezone'), content: `${tz}\n` },
  ]);

  step('rtc', [{ kind: 'write-file', path: at('/etc/adjtime'), content: adjtimeContent(i.answers.rtc) }]);

  const u = i.answers.user;
  const useradd = ['useradd', '-m'];
  if (u.fullname) useradd.push('-c', u.fullname);
  if (u.admin !== false && tools.adminGroups.length) useradd.push('-G', tools.adminGroups.join(','));
  useradd.push('-s', tools.loginShell ?? '/bin/bash', u.name);
  const user: Action[] = [run(useradd, { chroot: true })];
  // The secret reaches chpasswd on stdin at run time; the plan only names where it comes from.
  if (u['password-hash'] !== undefined) {
    user.push(run(['chpasswd', '-e'], { chroot: true, stdinSecret: { ref: 'user.password-hash', template: `${u.name}:{secret}\n` } }));
  } else if (u.password !== undefined) {
    user.push(run(['chpasswd'], { chroot: true, stdinSecret: { ref: 'user.password', template: `${u.name}:{secret}\n` } }));
  }
  // root stays locked unless the answers give it a password.
  const r = i.answers.root;
  if (r?.['password-hash'] !== undefined) {
    user.push(run(['chpasswd', '-e'], { chroot: true, stdinSecret: { ref: 'root.password-hash', template: 'root:{secret}\n' } }));
  } else if (r?.password !== undefined) {
    user.push(run(['chpasswd'], { chroot: true, stdinSecret: { ref: 'root.password', template: 'root:{secret}\n' } }));
  }
  if (u.autologin && (tools.displayManager === 'lightdm' || tools.displayManager === 'sddm')) {
    const f = autologinFile(tools.displayManager, u.name);
    user.push({ kind: 'write-file', path: at(f.path), content: f.content });
  }
  step('user', inTarget(user));

  // An empty machine-id: systemd makes a fresh one on first boot, so no two installs share it.
  step('machine-id', [
    { kind: 'write-file', path: at('/etc/machine-id'), content: '', mode: 0o444 },
    run(['rm', '-f', at('/var/lib/dbus/machine-id')]),
  ]);

  if (swap) {
    const file = at(swap.path);
    const make =
      fs === 'btrfs'
        ? [run(['btrfs', 'filesystem', 'mkswapfile', '--size', `${swap.sizeBytes / MiB}m`, '--uuid', swap.uuid, file])]
        : [
            run(['fallocate', '-l', String(swap.sizeBytes), file]),
            run(['chmod', '600', file]),
            run(['mkswap', '-U', swap.uuid, file]),
          ];
    step('swap', [...make, { kind: 'write-file', path: at('/etc/fstab'), content: swapFstabLine(swap.path), append: true }]);
  }

  if (tools.initramfs && tools.kernels.length > 0) {
    // The console (and an encrypted root's passphrase prompt, which reads keys through the keymap the initramfs
    // carries) uses console-setup's cached keymap while that is newer than /etc/default/keyboard (a medium built
    // after this machine's clock): made anew from the chosen layout first (bench/RESULTS-luks-boot.md). Without
    // a fresh cache the first boot compiles the keymap itself, holding multi-user back (> 40 s under TCG).
    const keymap = tools.setupcon
      ? [run(['find', '/etc/console-setup', '-maxdepth', '1', '-name', 'cached_*', '-delete'], { chroot: true, okExitCodes: [0, 1] }), run(['setupcon', '--save-only'], { chroot: true })]
      : [];
    step('initramfs', inTarget([...keymap, run(initramfsCommand(tools.initramfs), { chroot: true })]));
  }

  if (i.grubPlatform) {
    const efi = i.grubPlatform.endsWith('-efi');
    const boot: Action[] = [];
    if (efi) boot.push({ kind: 'mount', source: '{part:esp}', target: at('/boot/efi'), fstype: 'vfat' });
    const cmds = grubCommands(tools, i.grubPlatform, {
      disk: i.diskRef,
      // An image boots elsewhere, and a host without UEFI variables cannot record a boot entry.
      removable: i.image !== undefined || i.machine.firmware !== 'uefi',
    });
    const grub = [run(cmds.install, { chroot: true }), run(cmds.mkconfig, { chroot: true })];
    const withBinds = inTarget(grub);
    boot.push(...withBinds.slice(0, withBinds.length - grub.length));
    if (efi && i.machine.firmware === 'uefi') {
      boot.push({ kind: 'mount', source: '/sys/firmware/efi/efivars', target: at('/sys/firmware/efi/efivars'), bind: true });
    }
    boot.push(...grub);
    step('bootloader', boot);
  }

  step('log', [{ kind: 'save-log', path: i.logPath }, run(['sync', '-f', root])]);
  // Done is said only of filesystems a read-only check finds clean, unmounted, on the target still planned for.
  // An image's loop device and an encrypted root's container stay open for the checks, then go.
  const keepDevices = i.image !== undefined || luks !== undefined;
  step('unmount', [{ kind: 'release', ...(keepDevices ? { keepDevices: true } : {}) }]);
  step('check', [...fsChecks(i, rootDev), { kind: 'verify-target' }]);
  if (keepDevices) step('detach', [{ kind: 'release' }]);
  return steps;
}

/** A read-only check of each filesystem the install made (a kept ESP is another system's: left alone). */
function fsChecks(i: StepInput, rootDev: string): Action[] {
  const fs = i.answers.target.filesystem;
  const check = (argv: string[]) => run(argv, { failCode: 'fs-check-failed' });
  const out: Action[] = [];
  if (i.espVolid) out.push(check(['fsck.vfat', '-n', '{part:esp}']));
  if (i.partitions.some((p) => p.role === 'boot' && p.fs?.format)) out.push(check(['e2fsck', '-f', '-n', '{part:boot}']));
  if (fs === 'ext4') out.push(check(['e2fsck', '-f', '-n', rootDev]));
  if (fs === 'xfs') out.push(check(['xfs_repair', '-n', rootDev]));
  if (fs === 'btrfs') out.push(check(['btrfs', 'check', '--readonly', rootDev]));
  return out;
}
