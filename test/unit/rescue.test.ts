// The maintenance tools' pure logic: fstab parsing and fixing, the classifier (from recorded probe
// results: LUKS listed locked, LVM reported, Windows not repairable, the medium never offered, btrfs @), and the
// repair plans, compared with golden files in test/fixtures/repair-plans (UPDATE_GOLDEN=1 rewrites them).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiskInfo, MachineFacts, TargetTools } from '../../electron/shared/facts.ts';
import { fixedFstab, parseFstab, resolveSpec, staleEntries } from '../../electron/engine/rescue/fstab.ts';
import { classify, findLocked, findSystem, kernelsIn, loginUsers, pickRootSubvol } from '../../electron/engine/rescue/classify.ts';
import { mountOptions, probeHow } from '../../electron/engine/rescue/candidates.ts';
import {
  planBootRepair,
  planCopyHome,
  planFsckRepair,
  planFstabRepair,
  planMount,
  planPasswordRepair,
  type RepairContext,
  type RepairPlanResult,
} from '../../electron/engine/rescue/plan.ts';
import { releaseOrder } from '../../electron/engine/rescue/session.ts';
import type { ProbeResults } from '../../electron/engine/rescue/types.ts';
import { FIX } from './plan-helpers.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const ROOT_UUID = '11111111-2222-4333-8444-555555555555';
const FSTAB = `# comment\nUUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\nUUID=DEAD-BEEF /boot/efi vfat umask=0077 0 1\n/swapfile none swap sw 0 0\ntmpfs /tmp tmpfs defaults 0 0\n`;

const part = (path: string, o: Partial<DiskInfo['partitions'][number]> = {}) => ({ path, sizeBytes: 2 ** 30, mountpoints: [], swapActive: false, ...o });
const disk = (path: string, partitions: DiskInfo['partitions'], o: Partial<DiskInfo> = {}): DiskInfo => ({
  path, name: path.slice(5), sizeBytes: 64 * 2 ** 30, type: 'disk', readOnly: false, removable: false, mountpoints: [], partitions, ...o,
});
const tools = (o: Partial<TargetTools> = {}): TargetTools => ({
  initramfs: 'update-initramfs', grub: 'grub', grubPlatforms: ['i386-pc', 'x86_64-efi'], kernels: ['6.1.0-9-amd64'],
  useradd: true, chpasswd: true, adminGroups: ['sudo'], existingUsers: ['root', 'alice'], ...o,
});

function machine(): MachineFacts {
  return {
    firmware: 'uefi', arch: 'x64', ramBytes: 8 * 2 ** 30, gpuVendors: [], cmdline: '',
    disks: [
      disk('/dev/sda', [
        part('/dev/sda1', { fstype: 'vfat', uuid: 'ABCD-1234' }),
        part('/dev/sda2', { fstype: 'ext4', uuid: ROOT_UUID }),
        part('/dev/sda3', { fstype: 'crypto_LUKS', uuid: 'luks-uuid' }),
        part('/dev/sda4', { fstype: 'LVM2_member' }),
        part('/dev/sda5', { fstype: 'ntfs', label: 'Windows' }),
        part('/dev/sda6', { fstype: 'zfs_member' }),
      ]),
      disk('/dev/sdb', [part('/dev/sdb1', { fstype: 'btrfs', uuid: 'b7f5' })]),
      disk('/dev/sdc', [part('/dev/sdc1', { fstype: 'ext4', uuid: 'medium-uuid' })], { removable: true }),
    ],
    liveDevices: ['/dev/sdc', '/dev/sdc1'],
  };
}

function probes(): ProbeResults {
  return {
    volumes: [
      { device: '/dev/sda1', read: true, efiFiles: ['EFI/Microsoft/Boot/bootmgfw.efi'] },
      {
        device: '/dev/sda2', read: true, osRelease: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', ID: 'debian' }, fstab: FSTAB,
        bootFiles: ['vmlinuz-6.1.0-9-amd64', 'grub', 'grub/grub.cfg', 'config-6.1.0-9-amd64'], tools: tools(), users: ['alice'],
      },
      {
        device: '/dev/sdb1', read: true, subvol: '@', subvolumes: ['@', '@home'], osRelease: { NAME: 'Arch Linux', ID: 'arch' },
        fstab: 'UUID=b7f5 / btrfs rw,subvol=/@ 0 0\nUUID=b7f5 /home btrfs subvol=@home 0 0\n',
        bootFiles: ['vmlinuz-linux', 'initramfs-linux.img'], tools: tools({ initramfs: 'mkinitcpio', kernels: [] }), users: [],
      },
    ],
    bootCode: { '/dev/sda': false, '/dev/sdb': true },
    kernelFilesystems: ['ext4', 'btrfs'],
  };
}

const ctx = (o: Partial<RepairContext> = {}): RepairContext => ({ arch: 'x64', firmware: 'bios', vfat: false, efivars: false, targetRoot: '/tmp/livekit-repair-test', logPath: '/var/log/livekit-repair.log', ...o });

describe('fstab', () => {
  it('parses entries, resolves UUID/LABEL/device sources, finds stale ones and fixes only their source', () => {
    const entries = parseFstab(FSTAB);
    expect(entries.map((e) => e.mountpoint)).toEqual(['/', '/boot/efi', 'none', '/tmp']);
    const parts = machine().disks[0]!.partitions;
    expect(resolveSpec(`UUID=${ROOT_UUID.toUpperCase()}`, parts)?.path).toBe('/dev/sda2');
    expect(resolveSpec('LABEL=Windows', parts)?.path).toBe('/dev/sda5');
    expect(resolveSpec('/dev/disk/by-uuid/ABCD-1234', parts)?.path).toBe('/dev/sda1');
    expect(staleEntries(entries, parts).map((e) => e.mountpoint)).toEqual(['/boot/efi']);
    const fixed = fixedFstab(FSTAB, [{ line: 3, oldSpec: 'UUID=DEAD-BEEF', uuid: 'ABCD-1234' }]);
    expect(fixed).toBe(FSTAB.replace('UUID=DEAD-BEEF', 'UUID=ABCD-1234'));
  });
  it('reads \\040 in mount points', () => {
    expect(parseFstab('/dev/sdb1 /mnt/my\\040disk ext4 defaults 0 2')[0]!.mountpoint).toBe('/mnt/my disk');
  });
});

describe('classify', () => {
  it('sorts systems and other volumes, with reasons; the medium is named once and never offered', () => {
    const found = classify(machine(), probes());
    expect(found.systems.map((s) => s.id)).toEqual(['sda2', 'sdb1']);
    // LUKS: a locked system, by its container's partition, disk and LUKS UUID.
    expect(found.locked).toEqual([{ id: 'sda3', device: '/dev/sda3', disk: '/dev/sda', luks: { uuid: 'luks-uuid' }, sizeBytes: 2 ** 30, refusals: [] }]);
    expect(findLocked(found, 'sda3')?.device).toBe('/dev/sda3');
    expect(findLocked(found, '/dev/sda3')?.id).toBe('sda3');
    expect(findLocked(found, 'UUID=LUKS-UUID')?.id).toBe('sda3');
    expect(findLocked(found, 'sda2')).toBeUndefined();
    expect(findSystem(found, 'sda3')).toBeUndefined();
    expect(found.others).toEqual([
      { kind: 'windows', device: '/dev/sda1', disk: '/dev/sda', fstype: 'vfat', detail: 'esp' },
      { kind: 'lvm', device: '/dev/sda4', disk: '/dev/sda', fstype: 'LVM2_member' },
      { kind: 'windows', device: '/dev/sda5', disk: '/dev/sda', fstype: 'ntfs', label: 'Windows', detail: 'ntfs' },
      { kind: 'unknown', device: '/dev/sda6', disk: '/dev/sda', fstype: 'zfs_member' },
      { kind: 'live-medium', device: '/dev/sdc', disk: '/dev/sdc' },
    ]);
    const deb = found.systems[0]!;
    expect(deb.firmware).toBe('uefi');
    expect(deb.firmwareMatches).toBe(true);
    // The only FAT on the disk that fstab does not name is the right ESP.
    expect(deb.mounts.find((m) => m.mountpoint === '/boot/efi')).toMatchObject({ stale: true, suggestion: { device: '/dev/sda1', uuid: 'ABCD-1234' } });
    expect(deb.problems.map((p) => p.code)).toEqual(['fstab-stale', 'no-initramfs', 'no-efi-binary']);
    const arch = found.systems[1]!;
    expect(arch.root.subvol).toBe('@');
    expect(arch.firmware).toBe('bios');
    expect(arch.grub.biosCode).toBe(true);
    expect(findSystem(found, '/dev/sdb1')?.id).toBe('sdb1');
    expect(findSystem(found, `UUID=${ROOT_UUID}`)?.id).toBe('sda2');
    expect(findSystem(found, 'sdc1')).toBeUndefined();
  });
  it('a mounted partition is in use and its disk is refused; probing skips the medium and mounted volumes', () => {
    const m = machine();
    m.disks[0]!.partitions[4]!.mountpoints = ['/mnt/win'];
    const found = classify(m, probes());
    expect(found.others.find((o) => o.device === '/dev/sda5')).toMatchObject({ kind: 'in-use', detail: '/mnt/win' });
    expect(found.systems[0]!.refusals.map((r) => r.code)).toEqual(['mounted']);
    expect(found.locked[0]!.refusals.map((r) => r.code)).toEqual(['mounted']);
    // An opened container whose filesystem is mounted (lsblk shows its mapping's mount on it) is in use, not locked.
    m.disks[0]!.partitions[2]!.mountpoints = ['/run/livekit/systems/sda3'];
    const opened = classify(m, probes());
    expect(opened.locked).toEqual([]);
    expect(opened.others.find((o) => o.device === '/dev/sda3')).toMatchObject({ kind: 'in-use', detail: '/run/livekit/systems/sda3' });
    expect(probeHow({ disk: m.disks[2]!, part: m.disks[2]!.partitions[0]! }, m)).toBeUndefined();
    expect(probeHow({ disk: m.disks[0]!, part: m.disks[0]!.partitions[4]! }, m)).toBeUndefined();
    expect(probeHow({ disk: m.disks[0]!, part: m.disks[0]!.partitions[1]! }, m)).toEqual({ kind: 'mount', fstype: 'ext4', options: ['ro', 'noload'] });
    expect(mountOptions('xfs')).toEqual(['ro', 'norecovery']);
  });
  it('helpers: kernels, login users, the btrfs root subvolume', () => {
    expect(kernelsIn(['vmlinuz-6.1.0-9-amd64', 'vmlinuz', 'grub/x'])).toEqual(['6.1.0-9-amd64']);
    expect(loginUsers('root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:1001:1001::/:/usr/sbin/nologin\nnobody:x:65534:65534::/:/bin/sh\n')).toEqual(['alice']);
    expect(pickRootSubvol((s) => s === '@', ['@', '@home'])).toBe('@');
    expect(pickRootSubvol((s) => s === '', ['@'])).toBe('');
    expect(pickRootSubvol(() => false, ['@'])).toBeUndefined();
  });
  it('unmount order: everything at or under the directory, newest first', () => {
    const e = (mountpoint: string) => ({ majorMinor: '0:0', mountpoint, fstype: 'x', source: 'x' });
    expect(releaseOrder([e('/'), e('/run/livekit/systems/sda2'), e('/run/livekit/systems/sda2/boot'), e('/run/livekit/systems/sda20'), e('/run/livekit/systems/sda2/dev')], '/run/livekit/systems/sda2')).toEqual([
      '/run/livekit/systems/sda2/dev', '/run/livekit/systems/sda2/boot', '/run/livekit/systems/sda2',
    ]);
  });
});

describe('repair plans (golden)', () => {
  const found = classify(machine(), probes());
  const deb = found.systems[0]!;
  const fixedDeb = { ...deb, mounts: deb.mounts.map((m) => (m.mountpoint === '/boot/efi' ? { ...m, stale: false, device: '/dev/sda1', spec: 'UUID=ABCD-1234' } : m)), initramfs: [] };
  const cases: [string, () => RepairPlanResult | { ok: true; plan: unknown }][] = [
    ['mount-debian-uefi', () => ({ ok: true, plan: planMount(deb, ctx({ targetRoot: '/run/livekit/systems/sda2' })) })],
    ['boot-refused-stale-esp', () => planBootRepair(deb, ctx())],
    ['boot-debian-uefi-from-bios-live', () => planBootRepair(fixedDeb, ctx())],
    ['boot-debian-uefi-from-uefi-live', () => planBootRepair(fixedDeb, ctx({ firmware: 'uefi', vfat: true, efivars: true }))],
    ['boot-arch-bios-mkinitcpio', () => planBootRepair({ ...found.systems[1]!, tools: tools({ initramfs: 'mkinitcpio', kernels: ['linux'] }), kernels: ['linux'] }, ctx())],
    ['fstab-debian', () => planFstabRepair(deb, ctx(), FSTAB)],
    ['password-alice', () => planPasswordRepair(fixedDeb, ctx(), 'alice')],
    ['password-unknown-user', () => planPasswordRepair(fixedDeb, ctx(), 'mallory')],
    ['fsck-ext4-vfat', () => planFsckRepair(deb, ctx(), [{ device: '/dev/sda2', fstype: 'ext4' }, { device: '/dev/sda1', fstype: 'vfat' }])],
    ['fsck-btrfs-only-reported', () => planFsckRepair(found.systems[1]!, ctx(), [{ device: '/dev/sdb1', fstype: 'btrfs' }])],
    ['copy-home-arch', () => planCopyHome(found.systems[1]!, ctx(), 'alice', '/media/stick/', { bytes: 123456, files: 42 })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const file = join(FIX, 'repair-plans', `${name}.json`);
      const text = `${JSON.stringify(make(), null, 2)}\n`;
      if (UPDATE || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
  it('the password plan holds no secret, only where it comes from', () => {
    const r = planPasswordRepair(fixedDeb, ctx(), 'alice');
    expect(r.ok && r.plan.steps.find((s) => s.id === 'password')?.actions[0]).toEqual({
      kind: 'run', argv: ['chpasswd'], chroot: true, stdinSecret: { ref: 'user.password', template: 'alice:{secret}\n' },
    });
  });
});
