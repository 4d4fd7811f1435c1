// Pure: the Plans of the maintenance tools. Mounting a system (its fstab, then /dev /proc /sys /run and
// efivars bound), and each repair (boot, fstab, password, fsck, copy-home) as ordered steps of exact
// commands that the executor runs, the CLI prints and the user confirms, as an install's plan is. A system
// inside a LUKS container is unlocked by its plan's first step (the passphrase by reference only), and its
// release closes the container with the rest.
import type { FilesystemType, PlannedFilesystem, PlannedPartition, Step, StepId, Action } from '../../shared/plan.ts';
import { grubPlatform, initramfsCommand } from '../plan/bootloader.ts';
import { WEIGHTS } from '../plan/steps.ts';
import { fixedFstab } from './fstab.ts';
import { ESP_MOUNTPOINTS, initramfsNames } from './classify.ts';
import type { InstalledSystem, SystemMount } from './types.ts';

export { REPAIR_KINDS, type RepairKind, type RepairPlan, type RepairProblem } from '../../shared/rescue.ts';
import type { RepairPlan, RepairProblem } from '../../shared/rescue.ts';

export type RepairPlanResult = { ok: true; plan: RepairPlan } | { ok: false; problems: RepairProblem[] };

/** Machine facts a repair depends on. */
export interface RepairContext {
  /** The Live session's CPU (node's arch names) and how it was started. */
  arch: string;
  firmware: 'uefi' | 'bios';
  /** The running kernel can mount FAT (CI hosts cannot; the executor then stages the ESP with mtools). */
  vfat: boolean;
  /** /sys/firmware/efi/efivars exists in the Live session. */
  efivars: boolean;
  targetRoot: string;
  /** Where the engine's log is copied inside the system. */
  logPath?: string;
}

const BIND_DIRS = ['/dev', '/dev/pts', '/proc', '/sys', '/run'];
/** Filesystems whose fstab entries are mounted with the system (not network shares, not swap). */
const LOCAL_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat', 'f2fs', 'auto']);
/** Of the fstab options, only those that change what is mounted are kept (not where, not when). */
const KEPT_OPTIONS = /^(subvol|subvolid)=/;

const run = (argv: string[], extra: Omit<Extract<Action, { kind: 'run' }>, 'kind' | 'argv'> = {}): Action => ({ kind: 'run', argv, ...extra });

function depth(mountpoint: string): number {
  return mountpoint.split('/').filter(Boolean).length;
}

/** A kept filesystem of the system, as the device tree names it (repairs format nothing). */
function keptFs(fstype: string, mountpoint: string, uuid: string | undefined): PlannedFilesystem {
  return { type: fstype as FilesystemType, format: false, mountpoint, ...(uuid ? { uuid } : {}) };
}

function partitionsOf(sys: InstalledSystem): PlannedPartition[] {
  const fs = keptFs(sys.root.fstype, '/', sys.root.uuid);
  // The device tree: partition → container → filesystem (the executor links both UUIDs as udev would).
  const root: PlannedPartition = sys.luks ? { role: 'root', device: sys.luks.device, luks: { uuid: sys.luks.uuid, name: sys.luks.name }, fs } : { role: 'root', device: sys.root.device, fs };
  const out: PlannedPartition[] = [root];
  const esp = sys.mounts.find((m) => ESP_MOUNTPOINTS.includes(m.mountpoint) && m.device);
  if (esp) out.push({ role: 'esp', device: esp.device!, fs: keptFs(esp.fstype, esp.mountpoint, uuidOf(esp)) });
  const boot = sys.mounts.find((m) => m.mountpoint === '/boot' && m.device);
  if (boot) out.push({ role: 'boot', device: boot.device!, fs: keptFs(boot.fstype, '/boot', uuidOf(boot)) });
  return out;
}

function uuidOf(m: SystemMount): string | undefined {
  const x = /^UUID=(.+)$/.exec(m.spec);
  return x?.[1];
}

export interface MountChoice {
  /** Mount every local fstab entry (true) or only the root (false). */
  all: boolean;
  /** Mount read-only (copy-home). */
  readOnly?: boolean;
  /** Bind /dev, /proc, /sys, /run (and efivars) for commands inside the system. */
  binds: boolean;
  /** The plan releases at its end: a FAT the kernel cannot mount may be staged (it is written back then). */
  releases: boolean;
}

/** The mount actions for `sys` at `ctx.targetRoot`: root first, then fstab's entries by depth, then the binds. */
export function mountActions(sys: InstalledSystem, ctx: RepairContext, c: MountChoice): { actions: Action[]; skipped: RepairPlan['skipped'] } {
  const root = ctx.targetRoot;
  const ro = c.readOnly ? ['ro'] : [];
  const actions: Action[] = [
    {
      kind: 'mount',
      source: sys.root.device,
      target: root,
      fstype: sys.root.fstype,
      ...(sys.root.subvol || ro.length ? { options: [...ro, ...(sys.root.subvol ? [`subvol=${sys.root.subvol}`] : [])] } : {}),
    },
  ];
  const skipped: RepairPlan['skipped'] = [];
  if (c.all) {
    const rest = sys.mounts.filter((m) => m.mountpoint !== '/' && m.mountpoint.startsWith('/') && m.fstype !== 'swap' && !m.options.includes('noauto'));
    for (const m of [...rest].sort((a, b) => depth(a.mountpoint) - depth(b.mountpoint))) {
      if (!LOCAL_FS.has(m.fstype)) {
        if (!m.options.includes('bind') && m.fstype !== 'tmpfs' && m.fstype !== 'proc') skipped.push({ mountpoint: m.mountpoint, reason: 'not-local' });
        continue;
      }
      if (!m.device) {
        skipped.push({ mountpoint: m.mountpoint, reason: 'stale' });
        continue;
      }
      // A staged FAT is written back at release: never for a read-only mount, never for one left mounted.
      if (m.fstype === 'vfat' && !ctx.vfat && (!c.releases || c.readOnly)) {
        skipped.push({ mountpoint: m.mountpoint, reason: 'no-vfat' });
        continue;
      }
      const options = [...ro, ...m.options.filter((o) => KEPT_OPTIONS.test(o))];
      actions.push({ kind: 'mount', source: m.device, target: `${root}${m.mountpoint}`, fstype: m.fstype, ...(options.length ? { options } : {}) });
    }
  }
  if (c.binds) {
    for (const d of BIND_DIRS) actions.push({ kind: 'mount', source: d, target: `${root}${d}`, bind: true });
    if (ctx.efivars && sys.firmware === 'uefi') {
      actions.push({ kind: 'mount', source: '/sys/firmware/efi/efivars', target: `${root}/sys/firmware/efi/efivars`, bind: true });
    }
  }
  return { actions, skipped };
}

function makePlan(sys: InstalledSystem, ctx: RepairContext, repair: RepairPlan['repair'], steps: Step[], skipped: RepairPlan['skipped']): RepairPlan {
  return {
    version: 1,
    kind: 'repair',
    repair,
    system: { id: sys.id, name: sys.name, disk: sys.disk, root: sys.root.device },
    firmware: sys.firmware,
    partitions: partitionsOf(sys),
    targetRoot: ctx.targetRoot,
    skipped,
    steps,
  };
}

/** The steps of a plan for `sys`: an encrypted system's begin with opening its container. */
function stepper(sys: InstalledSystem) {
  const steps: Step[] = [];
  const add = (id: StepId, actions: Action[], weight = WEIGHTS[id]) => {
    if (actions.length) steps.push({ id, label: `plan:step.${id}`, weight, actions });
  };
  if (sys.luks) add('unlock', [{ kind: 'open-luks', device: sys.luks.device, name: sys.luks.name, secret: 'encryption.passphrase', type: 'luks' }]);
  return { steps, add };
}

function closing(add: ReturnType<typeof stepper>['add'], ctx: RepairContext) {
  if (ctx.logPath) add('log', [{ kind: 'save-log', path: `${ctx.targetRoot}${ctx.logPath}` }]);
  add('unmount', [{ kind: 'release' }]);
}

/** `livekit mount`: the system's fstab and the binds, left mounted (no release step). */
export function planMount(sys: InstalledSystem, ctx: RepairContext): RepairPlan {
  const { steps, add } = stepper(sys);
  const m = mountActions(sys, ctx, { all: true, binds: true, releases: false });
  add('mount', m.actions);
  return makePlan(sys, ctx, 'mount', steps, m.skipped);
}

/** Entries a chroot repair needs mounted: their sources must be right first. */
const NEEDED = ['/', '/boot', '/usr', '/var', ...ESP_MOUNTPOINTS];

function staleNeeded(sys: InstalledSystem): SystemMount | undefined {
  return sys.mounts.find((m) => m.stale && NEEDED.includes(m.mountpoint));
}

/** boot: the initramfs with the system's own tool, then GRUB for the system's firmware, then grub.cfg. */
export function planBootRepair(sys: InstalledSystem, ctx: RepairContext): RepairPlanResult {
  const problems: RepairProblem[] = [];
  const stale = staleNeeded(sys);
  if (stale) problems.push({ code: 'needs-fstab', params: { mountpoint: stale.mountpoint, spec: stale.spec } });
  if (!sys.tools.grub) problems.push({ code: 'no-grub' });
  const platform = grubPlatform(ctx.arch, sys.firmware);
  if (sys.tools.grub && (!platform || !sys.grub.platforms.includes(platform))) {
    problems.push({ code: 'no-grub-platform', params: { platform: platform ?? `${sys.firmware}/${ctx.arch}` } });
  }
  if (!sys.tools.initramfs) problems.push({ code: 'no-initramfs-tool' });
  const kernels = sys.tools.kernels.filter((k) => sys.kernels.includes(k));
  if (kernels.length === 0) problems.push({ code: 'no-kernel' });
  // The initramfs tools find the root's crypttab line by the running mapping's name: under another name, the
  // new initramfs would not open the root at boot.
  if (sys.luks?.crypttabName && sys.luks.crypttabName !== sys.luks.name) problems.push({ code: 'crypttab-name-taken', params: { name: sys.luks.crypttabName } });
  if (problems.length) return { ok: false, problems };

  const { steps, add } = stepper(sys);
  const m = mountActions(sys, ctx, { all: true, binds: true, releases: true });
  add('mount', m.actions);
  const tool = sys.tools.initramfs!;
  const initramfs: Action[] = [];
  if (tool === 'update-initramfs') {
    // -u refuses a kernel whose image is gone: those are created (-c), the others updated.
    for (const k of kernels) {
      const has = initramfsNames(k).some((n) => sys.initramfs.includes(n));
      initramfs.push(run(['update-initramfs', has ? '-u' : '-c', '-k', k], { chroot: true }));
    }
  } else if (tool === 'dracut') {
    for (const k of kernels) initramfs.push(run(['dracut', '--force', '--kver', k], { chroot: true }));
  } else {
    initramfs.push(run(initramfsCommand(tool), { chroot: true }));
  }
  add('initramfs', initramfs);

  const grub2 = sys.tools.grub === 'grub2';
  const install = grub2 ? 'grub2-install' : 'grub-install';
  const cfg = grub2 ? '/boot/grub2/grub.cfg' : '/boot/grub/grub.cfg';
  const esp = sys.mounts.find((x) => ESP_MOUNTPOINTS.includes(x.mountpoint));
  const grubInstall =
    sys.firmware === 'uefi'
      ? [
          install,
          `--target=${platform}`,
          `--efi-directory=${esp?.mountpoint ?? '/boot/efi'}`,
          `--bootloader-id=${sys.osRelease.ID ?? 'linux'}`,
          // A Live session not started by UEFI cannot write boot entries: GRUB goes to the fallback path
          // EFI/BOOT, which every UEFI firmware tries by itself.
          ...(ctx.firmware !== 'uefi' ? ['--removable', '--no-nvram'] : []),
        ]
      : [install, `--target=${platform}`, sys.disk];
  add('bootloader', [run(grubInstall, { chroot: true }), run([grub2 ? 'grub2-mkconfig' : 'grub-mkconfig', '-o', cfg], { chroot: true })]);
  closing(add, ctx);
  return { ok: true, plan: makePlan(sys, ctx, 'boot', steps, m.skipped) };
}

/** fstab: each stale source replaced by the partition that should be named, the old file kept beside it. */
export function planFstabRepair(sys: InstalledSystem, ctx: RepairContext, fstabText: string): RepairPlanResult {
  const fixable = sys.mounts.filter((m) => m.stale && m.suggestion);
  if (fixable.length === 0) return { ok: false, problems: [{ code: 'nothing-to-fix' }] };
  const { steps, add } = stepper(sys);
  const m = mountActions(sys, ctx, { all: false, binds: false, releases: true });
  add('mount', m.actions);
  const content = fixedFstab(
    fstabText,
    fixable.map((x) => ({ line: x.line, oldSpec: x.spec, uuid: x.suggestion!.uuid })),
  );
  add('fstab', [
    { kind: 'write-file', path: `${ctx.targetRoot}/etc/fstab.before-livekit`, content: fstabText },
    { kind: 'write-file', path: `${ctx.targetRoot}/etc/fstab`, content },
  ]);
  closing(add, ctx);
  return { ok: true, plan: makePlan(sys, ctx, 'fstab', steps, m.skipped) };
}

/** password: chpasswd inside the system; the password reaches it on stdin at run time, never in the plan. */
export function planPasswordRepair(sys: InstalledSystem, ctx: RepairContext, user: string): RepairPlanResult {
  const problems: RepairProblem[] = [];
  const stale = staleNeeded(sys);
  if (stale) problems.push({ code: 'needs-fstab', params: { mountpoint: stale.mountpoint, spec: stale.spec } });
  if (!sys.tools.existingUsers.includes(user)) problems.push({ code: 'no-user', params: { user, users: sys.users.join(', ') } });
  if (!sys.tools.chpasswd) problems.push({ code: 'no-chpasswd' });
  if (problems.length) return { ok: false, problems };
  const { steps, add } = stepper(sys);
  const m = mountActions(sys, ctx, { all: true, binds: true, releases: true });
  add('mount', m.actions);
  add('password', [run(['chpasswd'], { chroot: true, stdinSecret: { ref: 'user.password', template: `${user}:{secret}\n` } })]);
  closing(add, ctx);
  return { ok: true, plan: makePlan(sys, ctx, 'password', steps, m.skipped) };
}

/** The filesystems fsck looks at: the root and every local fstab entry on a partition found. */
export function fsckTargets(sys: InstalledSystem): { device: string; fstype: string; mountpoint: string }[] {
  const out = [{ device: sys.root.device, fstype: sys.root.fstype, mountpoint: '/' }];
  for (const m of sys.mounts) {
    if (m.mountpoint === '/' || !m.device || out.some((o) => o.device === m.device)) continue;
    if (['ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'btrfs'].includes(m.fstype)) out.push({ device: m.device, fstype: m.fstype, mountpoint: m.mountpoint });
  }
  return out;
}

/** The read-only check of one filesystem (changes nothing), and the exit codes that mean "clean". */
export function fsckCheckCommand(fstype: string, device: string): { argv: string[]; clean: number[] } | undefined {
  if (fstype.startsWith('ext')) return { argv: ['e2fsck', '-f', '-n', device], clean: [0] };
  if (fstype === 'xfs') return { argv: ['xfs_repair', '-n', device], clean: [0] };
  if (fstype === 'vfat') return { argv: ['fsck.vfat', '-n', device], clean: [0] };
  if (fstype === 'btrfs') return { argv: ['btrfs', 'check', '--readonly', device], clean: [0] };
  return undefined;
}

/** The repair of one filesystem, with the exit codes that mean "fixed" (e2fsck 1 and 2: errors corrected). */
export function fsckRepairCommand(fstype: string, device: string): { argv: string[]; ok: number[] } | undefined {
  if (fstype.startsWith('ext')) return { argv: ['e2fsck', '-f', '-y', device], ok: [0, 1, 2] };
  if (fstype === 'xfs') return { argv: ['xfs_repair', device], ok: [0] };
  if (fstype === 'vfat') return { argv: ['fsck.vfat', '-a', '-w', device], ok: [0, 1] };
  // btrfs check --repair can make things worse: reported, never repaired here.
  return undefined;
}

/** fsck: repair the filesystems the check found unclean (nothing mounted; the check ran before). */
export function planFsckRepair(sys: InstalledSystem, ctx: RepairContext, unclean: { device: string; fstype: string }[]): RepairPlanResult {
  const actions: Action[] = [];
  for (const u of unclean) {
    const c = fsckRepairCommand(u.fstype, u.device);
    if (c) actions.push(run(c.argv, { okExitCodes: c.ok }));
  }
  if (actions.length === 0) return { ok: false, problems: [{ code: unclean.length ? 'no-fsck' : 'nothing-to-fix', ...(unclean.length ? { params: { fstype: unclean.map((u) => u.fstype).join(', ') } } : {}) }] };
  const { steps, add } = stepper(sys);
  add('fsck', actions);
  // Nothing is mounted; an opened container is closed.
  if (sys.luks) add('detach', [{ kind: 'release' }]);
  return { ok: true, plan: makePlan(sys, ctx, 'fsck', steps, []) };
}

/** copy-home: the user's home, mounted read-only, copied with rsync (progress) into `dest`/<user>. */
export function planCopyHome(sys: InstalledSystem, ctx: RepairContext, user: string, dest: string, home: { bytes: number; files: number }): RepairPlanResult {
  if (!sys.tools.existingUsers.includes(user)) return { ok: false, problems: [{ code: 'no-user', params: { user, users: sys.users.join(', ') } }] };
  const { steps, add } = stepper(sys);
  const m = mountActions(sys, ctx, { all: true, binds: false, readOnly: true, releases: true });
  add('mount', m.actions);
  add('copy-home', [
    {
      kind: 'copy',
      source: `${ctx.targetRoot}/home/${user}`,
      target: `${dest.replace(/\/+$/, '')}/${user}`,
      totalBytes: home.bytes,
      totalFiles: home.files,
      method: { kind: 'rsync', reason: 'not-layered', detail: 'a home directory' },
    },
  ]);
  add('unmount', [{ kind: 'release' }]);
  return { ok: true, plan: makePlan(sys, ctx, 'copy-home', steps, m.skipped) };
}
