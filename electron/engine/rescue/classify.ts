// Pure: from the machine facts and what the prober read, the installed Linux systems (name, root, /boot,
// ESP, GRUB, kernels, initramfs, users, problems, whether they can be repaired now), the locked (LUKS)
// volumes, and every other volume with the reason it is not one (the Live medium, in use, an LVM PV,
// Windows, unknown). Once a locked volume is opened, the system inside is classified as on any volume.
import type { MachineFacts, PartitionInfo, TargetTools } from '../../shared/facts.ts';
import { refusalsFor } from '../disks/safety.ts';
import { isLiveDisk, volumesOf, LINUX_FILESYSTEMS, type Volume } from './candidates.ts';
import { optionValue, parseFstab, resolveSpec, staleEntries, type FstabEntry } from './fstab.ts';
import type { FoundSystems, InstalledSystem, LockedVolume, OtherVolume, ProbeResults, SystemLuks, SystemMount, SystemProblem, VolumeProbe } from './types.ts';

const EMPTY_TOOLS: TargetTools = { grubPlatforms: [], kernels: [], useradd: false, chpasswd: false, adminGroups: [], existingUsers: [] };

/** Mount points an ESP is mounted at. */
export const ESP_MOUNTPOINTS = ['/boot/efi', '/efi'];

/** Kernel versions with an image in /boot (`vmlinuz-<v>`, `vmlinux-<v>`, `kernel-<v>`). */
export function kernelsIn(bootFiles: string[]): string[] {
  const out = new Set<string>();
  for (const f of bootFiles) {
    const m = /^(?:vmlinuz|vmlinux|kernel)-(.+)$/.exec(f);
    if (m && !f.includes('/')) out.add(m[1]!);
  }
  return [...out].sort();
}

/** The initramfs image names for a kernel version, as Debian, dracut and Fedora spell them. */
export function initramfsNames(version: string): string[] {
  return [`initrd.img-${version}`, `initramfs-${version}.img`, `initrd-${version}`, `initramfs-${version}`];
}

export function initramfsIn(bootFiles: string[]): string[] {
  return bootFiles.filter((f) => !f.includes('/') && /^(initrd\.img-|initramfs-|initrd-)/.test(f)).sort();
}

/** btrfs: the subvolume holding the system: the top level if it has os-release, else `@`, `@rootfs`, `root`. */
export function pickRootSubvol(hasOsRelease: (subvol: string) => boolean, subvolumes: string[]): string | undefined {
  if (hasOsRelease('')) return '';
  for (const s of ['@', '@rootfs', 'root', ...subvolumes]) if (subvolumes.includes(s) && hasOsRelease(s)) return s;
  return undefined;
}

/** Login users from /etc/passwd: uid 1000..59999 with a shell that is not nologin/false. */
export function loginUsers(passwd: string | undefined): string[] {
  if (!passwd) return [];
  const out: string[] = [];
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    if (uid >= 1000 && uid < 60000 && !/(nologin|false)$/.test(f[6]!.trim())) out.push(f[0]!);
  }
  return out;
}

function systemName(os: Record<string, string>): string {
  return os.PRETTY_NAME ?? os.NAME ?? os.ID ?? 'Linux';
}

function isWindowsEsp(p: VolumeProbe | undefined): boolean {
  return !!p?.efiFiles?.some((f) => /^EFI\/Microsoft\//i.test(f));
}

function otherFor(v: Volume, machine: MachineFacts, probe: VolumeProbe | undefined): OtherVolume | undefined {
  const base = {
    device: v.part.path,
    disk: v.disk.path,
    ...(v.part.fstype ? { fstype: v.part.fstype } : {}),
    ...(v.part.label ? { label: v.part.label } : {}),
  };
  const fs = v.part.fstype ?? '';
  if (v.part.mountpoints.length > 0) return { ...base, kind: 'in-use', detail: v.part.mountpoints[0]! };
  if (fs === 'LVM2_member') return { ...base, kind: 'lvm' };
  if (fs === 'ntfs' || fs === 'BitLocker') return { ...base, kind: 'windows', detail: fs };
  if (fs === 'vfat') return isWindowsEsp(probe) ? { ...base, kind: 'windows', detail: 'esp' } : undefined;
  if (!fs || fs === 'swap' || fs === 'iso9660' || fs === 'udf') return undefined;
  if ((LINUX_FILESYSTEMS as readonly string[]).includes(fs)) {
    if (probe && !probe.read) return { ...base, kind: 'unreadable', ...(probe.error ? { detail: probe.error } : {}) };
    return undefined; // read: a system, a /boot, or data
  }
  void machine;
  return { ...base, kind: 'unknown' };
}

/** The ESP's files say GRUB (or a shim) is there for UEFI: any .efi outside Microsoft's folder. */
function hasEfiBinary(files: string[]): boolean {
  return files.some((f) => /\.efi$/i.test(f) && !/^EFI\/Microsoft\//i.test(f));
}

function resolveMounts(entries: FstabEntry[], parts: PartitionInfo[], suggest: (e: FstabEntry) => PartitionInfo | undefined): SystemMount[] {
  const stale = new Set(staleEntries(entries, parts));
  return entries.map((e) => {
    const dev = resolveSpec(e.spec, parts);
    const m: SystemMount = { mountpoint: e.mountpoint, spec: e.spec, fstype: e.fstype, options: e.options, stale: stale.has(e), line: e.line };
    if (dev) m.device = dev.path;
    if (stale.has(e)) {
      const s = suggest(e);
      if (s?.uuid) m.suggestion = { device: s.path, uuid: s.uuid };
    }
    return m;
  });
}

function buildSystem(v: Volume, probe: VolumeProbe, machine: MachineFacts, probes: ProbeResults, byDevice: Map<string, VolumeProbe>): InstalledSystem {
  const parts = volumesOf(machine).map((x) => x.part);
  const entries = parseFstab(probe.fstab ?? '');
  const sameDisk = (p: PartitionInfo) => v.disk.partitions.some((q) => q.path === p.path);
  // The one right answer for a stale source, or none: the root is the partition probed; an ESP, /boot
  // or swap is the only partition of that kind on the system's disk that no other entry names.
  const named = new Set(entries.map((e) => resolveSpec(e.spec, parts)?.path).filter(Boolean));
  const only = (ok: (p: PartitionInfo) => boolean) => {
    const c = v.disk.partitions.filter((p) => sameDisk(p) && ok(p) && !named.has(p.path) && p.path !== v.part.path);
    return c.length === 1 ? c[0] : undefined;
  };
  const suggest = (e: FstabEntry): PartitionInfo | undefined => {
    if (e.mountpoint === '/') return v.part;
    if (v.part.fstype === 'btrfs' && e.fstype === 'btrfs' && optionValue(e.options, 'subvol') !== undefined) return v.part;
    if (ESP_MOUNTPOINTS.includes(e.mountpoint)) return only((p) => p.fstype === 'vfat');
    if (e.fstype === 'swap') return only((p) => p.fstype === 'swap');
    if (e.mountpoint === '/boot') return only((p) => p.fstype === e.fstype && (byDevice.get(p.path)?.bootFiles?.length ?? 0) > 0 && !byDevice.get(p.path)?.osRelease);
    return undefined;
  };
  const mounts = resolveMounts(entries, parts, suggest);
  const bootMount = mounts.find((m) => m.mountpoint === '/boot');
  const espMount = mounts.find((m) => ESP_MOUNTPOINTS.includes(m.mountpoint));
  const bootProbe = bootMount?.device ? byDevice.get(bootMount.device) : undefined;
  const bootFiles = (bootMount ? bootProbe?.bootFiles : probe.bootFiles) ?? [];
  const espDevice = espMount?.device ?? espMount?.suggestion?.device;
  const efiFiles = (espDevice ? byDevice.get(espDevice)?.efiFiles : undefined) ?? [];
  const tools = probe.tools ?? EMPTY_TOOLS;
  const firmware: 'uefi' | 'bios' = espMount ? 'uefi' : 'bios';
  const kernels = kernelsIn(bootFiles);
  const initramfs = initramfsIn(bootFiles);
  const config = bootFiles.includes('grub/grub.cfg') || bootFiles.includes('grub2/grub.cfg');
  const grub: InstalledSystem['grub'] = { ...(tools.grub ? { tool: tools.grub } : {}), platforms: tools.grubPlatforms, config };
  if (firmware === 'uefi') grub.efiBinary = hasEfiBinary(efiFiles);
  else grub.biosCode = probes.bootCode[v.disk.path] ?? false;

  const problems: SystemProblem[] = [];
  for (const m of mounts.filter((x) => x.stale)) problems.push({ code: 'fstab-stale', params: { mountpoint: m.mountpoint, spec: m.spec } });
  if (!tools.grub) problems.push({ code: 'no-grub' });
  if (kernels.length === 0) problems.push({ code: 'no-kernel' });
  for (const k of kernels) {
    if (!initramfsNames(k).some((n) => initramfs.includes(n))) problems.push({ code: 'no-initramfs', params: { kernel: k } });
  }
  if (tools.grub && !config) problems.push({ code: 'no-grub-config' });
  if (tools.grub && grub.efiBinary === false) problems.push({ code: 'no-efi-binary' });
  if (tools.grub && grub.biosCode === false) problems.push({ code: 'no-bios-boot-code', params: { disk: v.disk.path } });

  const rootEntry = entries.find((e) => e.mountpoint === '/');
  const subvol = probe.subvol ?? (rootEntry ? optionValue(rootEntry.options, 'subvol') : undefined);
  return {
    id: v.part.path.replace(/^\/dev\//, ''),
    name: systemName(probe.osRelease ?? {}),
    osRelease: probe.osRelease ?? {},
    disk: v.disk.path,
    root: {
      device: v.part.path,
      fstype: v.part.fstype ?? 'unknown',
      ...(v.part.uuid ? { uuid: v.part.uuid } : {}),
      ...(subvol ? { subvol } : {}),
    },
    mounts,
    firmware,
    firmwareMatches: firmware === machine.firmware,
    grub,
    kernels,
    initramfs,
    ...(tools.initramfs ? { initramfsTool: tools.initramfs } : {}),
    users: probe.users ?? [],
    tools,
    problems,
    refusals: refusalsFor(v.disk, machine, null),
  };
}

function lockedVolume(v: Volume, machine: MachineFacts): LockedVolume {
  return {
    id: v.part.path.replace(/^\/dev\//, ''),
    device: v.part.path,
    disk: v.disk.path,
    luks: { uuid: v.part.uuid ?? '' },
    sizeBytes: v.part.sizeBytes,
    ...(v.part.label ? { label: v.part.label } : {}),
    refusals: refusalsFor(v.disk, machine, null),
  };
}

/** Sorts everything found: systems (with os-release), locked volumes, and the other volumes, each with its reason. */
export function classify(machine: MachineFacts, probes: ProbeResults): FoundSystems {
  const byDevice = new Map(probes.volumes.map((p) => [p.device, p]));
  const systems: InstalledSystem[] = [];
  const locked: LockedVolume[] = [];
  const others: OtherVolume[] = [];
  const liveDisks = new Set<string>();
  for (const v of volumesOf(machine)) {
    if (isLiveDisk(v.disk, machine)) {
      // The medium's disk is named once, as the medium, and nothing on it is offered.
      if (!liveDisks.has(v.disk.path)) others.push({ kind: 'live-medium', device: v.disk.path, disk: v.disk.path });
      liveDisks.add(v.disk.path);
      continue;
    }
    const probe = byDevice.get(v.part.path);
    if (probe?.read && probe.osRelease && Object.keys(probe.osRelease).length > 0) {
      systems.push(buildSystem(v, probe, machine, probes, byDevice));
      continue;
    }
    // An opened container shows its mapping's mounts as its own: it is in use, not locked.
    if (v.part.fstype === 'crypto_LUKS' && v.part.mountpoints.length === 0) {
      locked.push(lockedVolume(v, machine));
      continue;
    }
    const other = otherFor(v, machine, probe);
    if (other) others.push(other);
  }
  // Live disks without partitions (a whole-disk medium) are named too.
  for (const d of machine.disks) {
    if (!liveDisks.has(d.path) && isLiveDisk(d, machine) && d.partitions.length === 0 && !d.fstype) {
      others.push({ kind: 'live-medium', device: d.path, disk: d.path });
    }
  }
  return { systems, locked, others };
}

/** The system `ref` names: its id (`sda2`), root device (`/dev/sda2`) or root UUID (`UUID=…` or bare). */
export function findSystem(found: Pick<FoundSystems, 'systems'>, ref: string): InstalledSystem | undefined {
  const r = ref.replace(/^UUID=/i, '').toLowerCase();
  return found.systems.find((s) => s.id.toLowerCase() === r || s.root.device === ref || s.root.uuid?.toLowerCase() === r);
}

/** The locked volume `ref` names: its id (`sdb3`), device (`/dev/sdb3`) or LUKS UUID (`UUID=…` or bare). */
export function findLocked(found: Pick<FoundSystems, 'locked'>, ref: string): LockedVolume | undefined {
  const r = ref.replace(/^UUID=/i, '').toLowerCase();
  return found.locked.find((l) => l.id.toLowerCase() === r || l.device === ref || (!!l.luks.uuid && l.luks.uuid.toLowerCase() === r));
}

/** The filesystem inside an opened container, as blkid read it. */
export interface InnerVolume {
  /** The mapping the plans will open it as (`/dev/mapper/luks-…`). */
  device: string;
  fstype: string;
  uuid?: string;
  sizeBytes: number;
}

/**
 * The system inside an opened locked volume, or undefined when the filesystem there holds none: the mapping
 * is classified as one more volume of the container's disk (so fstab's UUID of the root resolves to it, and
 * /boot and the ESP beside it are found as for any system), under the locked volume's id.
 */
export function unlockedSystem(
  machine: MachineFacts,
  probes: ProbeResults,
  locked: LockedVolume,
  inner: InnerVolume,
  probe: VolumeProbe,
  luks: Omit<SystemLuks, 'device' | 'uuid'>,
): InstalledSystem | undefined {
  if (!probe.read || !probe.osRelease || Object.keys(probe.osRelease).length === 0) return undefined;
  const disk = machine.disks.find((d) => d.path === locked.disk);
  if (!disk) return undefined;
  const part: PartitionInfo = { path: inner.device, sizeBytes: inner.sizeBytes, fstype: inner.fstype, ...(inner.uuid ? { uuid: inner.uuid } : {}), mountpoints: [], swapActive: false };
  const withInner = { ...disk, partitions: [...disk.partitions, part] };
  const m: MachineFacts = { ...machine, disks: machine.disks.map((d) => (d === disk ? withInner : d)) };
  const p: VolumeProbe = { ...probe, device: inner.device };
  const all: ProbeResults = { ...probes, volumes: [...probes.volumes.filter((x) => x.device !== inner.device), p] };
  const sys = buildSystem({ disk: withInner, part }, p, m, all, new Map(all.volumes.map((x) => [x.device, x])));
  return { ...sys, id: locked.id, luks: { device: locked.device, uuid: locked.luks.uuid, ...luks } };
}
