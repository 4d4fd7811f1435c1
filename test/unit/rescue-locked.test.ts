// A locked (LUKS) system's pure side: the mapping's name (crypttab's when free, else the installer's
// `luks-<uuid>`, else LiveKit's own), the system inside classified with the rest of its disk (fstab's UUIDs
// resolve to the mapping, /boot and the ESP beside it), and its plans (golden files in
// test/fixtures/repair-plans/locked-*.json, UPDATE_GOLDEN=1 rewrites them): the container opened first by
// reference to the passphrase, closed by the release, never the passphrase itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiskInfo, MachineFacts, TargetTools } from '../../electron/shared/facts.ts';
import { classify, unlockedSystem } from '../../electron/engine/rescue/classify.ts';
import { crypttabName, isMappingName, mappingName } from '../../electron/engine/rescue/luks-name.ts';
import { planBootRepair, planCopyHome, planFsckRepair, planMount, planPasswordRepair, type RepairContext } from '../../electron/engine/rescue/plan.ts';
import type { InstalledSystem, ProbeResults, VolumeProbe } from '../../electron/engine/rescue/types.ts';
import { repairActionText } from '../../electron/shared/rescue.ts';
import { mappingOfSource } from '../../electron/engine/rescue/session.ts';
import { FIX } from './plan-helpers.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const LUKS = '5f3c2a10-8b7e-4d21-9c0a-0e1f2a3b4c5d';
const ROOT = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const BOOT = '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
const ESP = 'C0DE-F00D';
const MAPPING = `luks-${LUKS}`;
const FSTAB = `UUID=${ROOT} / ext4 errors=remount-ro 0 1\nUUID=${BOOT} /boot ext4 defaults 0 2\nUUID=${ESP} /boot/efi vfat umask=0077 0 1\n`;
const CRYPTTAB = `# <target> <source> <key> <options>\n${MAPPING} UUID=${LUKS} none luks,discard\n`;
const PASSPHRASE = 'correct horse battery staple';

const part = (path: string, o: Partial<DiskInfo['partitions'][number]> = {}) => ({ path, sizeBytes: 2 ** 30, mountpoints: [], swapActive: false, ...o });
const tools = (o: Partial<TargetTools> = {}): TargetTools => ({
  initramfs: 'update-initramfs', grub: 'grub', grubPlatforms: ['x86_64-efi'], kernels: ['6.1.0-9-amd64'], useradd: true, chpasswd: true,
  adminGroups: ['sudo'], existingUsers: ['root', 'alice'], cryptsetup: true, initramfsCrypt: true, ...o,
});

/** The disk an encrypted install makes: ESP, a plain /boot, and the root in LUKS2. */
function machine(): MachineFacts {
  return {
    firmware: 'uefi', arch: 'x64', ramBytes: 8 * 2 ** 30, gpuVendors: [], cmdline: '', liveDevices: [],
    disks: [{
      path: '/dev/sdb', name: 'sdb', sizeBytes: 64 * 2 ** 30, type: 'disk', readOnly: false, removable: false, mountpoints: [],
      partitions: [
        part('/dev/sdb1', { fstype: 'vfat', uuid: ESP }),
        part('/dev/sdb2', { fstype: 'ext4', uuid: BOOT }),
        part('/dev/sdb3', { fstype: 'crypto_LUKS', uuid: LUKS }),
      ],
    }],
  };
}

/** What `livekit systems` probes without a passphrase: the ESP and /boot; the container is not read. */
function probes(): ProbeResults {
  return {
    volumes: [
      { device: '/dev/sdb1', read: true, efiFiles: ['EFI/debian/grubx64.efi'] },
      { device: '/dev/sdb2', read: true, bootFiles: ['grub', 'grub/grub.cfg', 'vmlinuz-6.1.0-9-amd64', 'initrd.img-6.1.0-9-amd64'] },
    ],
    bootCode: { '/dev/sdb': false },
    kernelFilesystems: ['ext4'],
  };
}

/** What the look inside the opened container read. */
function inside(o: Partial<VolumeProbe> = {}): VolumeProbe {
  return {
    device: '/dev/mapper/livekit-look', read: true, osRelease: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', ID: 'debian' },
    fstab: FSTAB, crypttab: CRYPTTAB, bootFiles: [], tools: tools(), users: ['alice'], ...o,
  };
}

function unlocked(name = MAPPING, o: Partial<VolumeProbe> = {}): InstalledSystem {
  const found = classify(machine(), probes());
  const locked = found.locked[0]!;
  const device = `/dev/mapper/${name}`;
  const sys = unlockedSystem(machine(), probes(), locked, { device, fstype: 'ext4', uuid: ROOT, sizeBytes: 2 ** 30 - 16 * 2 ** 20 }, inside(o), { name, crypttabName: MAPPING });
  if (!sys) throw new Error('no system inside');
  return sys;
}

const ctx = (o: Partial<RepairContext> = {}): RepairContext => ({ arch: 'x64', firmware: 'uefi', vfat: true, efivars: true, targetRoot: '/tmp/livekit-repair-test', logPath: '/var/log/livekit-repair.log', ...o });

describe('the mapping a locked system is opened as', () => {
  it('is crypttab\'s name for the container (by UUID= or by-uuid path or device), when it is one', () => {
    expect(crypttabName(CRYPTTAB, { uuid: LUKS, device: '/dev/sdb3' })).toBe(MAPPING);
    expect(crypttabName(`sda3_crypt /dev/disk/by-uuid/${LUKS.toUpperCase()} none luks\n`, { uuid: LUKS, device: '/dev/sdb3' })).toBe('sda3_crypt');
    expect(crypttabName('cryptroot /dev/sdb3 none luks\n', { uuid: LUKS, device: '/dev/sdb3' })).toBe('cryptroot');
    expect(crypttabName('other UUID=0000 none luks\n# luks-x UUID=' + LUKS, { uuid: LUKS, device: '/dev/sdb3' })).toBeUndefined();
    expect(crypttabName(undefined, { uuid: LUKS, device: '/dev/sdb3' })).toBeUndefined();
    expect(isMappingName('a/b')).toBe(false);
    expect(isMappingName('..')).toBe(false);
  });
  it('is the first free one of crypttab\'s, luks-<uuid>, livekit-<id>, livekit-<id>-N', () => {
    expect(mappingName({ crypttabName: 'sda3_crypt', uuid: LUKS, id: 'sdb3', taken: [] })).toBe('sda3_crypt');
    expect(mappingName({ crypttabName: 'sda3_crypt', uuid: LUKS, id: 'sdb3', taken: ['sda3_crypt'] })).toBe(MAPPING);
    expect(mappingName({ uuid: LUKS, id: 'sdb3', taken: [MAPPING] })).toBe('livekit-sdb3');
    expect(mappingName({ uuid: LUKS, id: 'sdb3', taken: [MAPPING, 'livekit-sdb3', 'livekit-sdb3-2'] })).toBe('livekit-sdb3-3');
    expect(mappingName({ uuid: '', id: 'nvme0n1p3', taken: [] })).toBe('livekit-nvme0n1p3');
  });
  it('an encrypted root mounted at a system\'s folder names its mapping, by /dev/mapper path or dm-N', () => {
    expect(mappingOfSource(`/dev/mapper/${MAPPING}`, {})).toBe(MAPPING);
    expect(mappingOfSource('/dev/dm-3', { 'dm-3': MAPPING })).toBe(MAPPING);
    expect(mappingOfSource('/dev/sdb2', { 'dm-3': MAPPING })).toBeUndefined();
  });
});

describe('the system inside an opened container', () => {
  it('is classified with its disk: id of the container\'s partition, root on the mapping, /boot and the ESP beside it', () => {
    const sys = unlocked();
    expect(sys.id).toBe('sdb3');
    expect(sys.name).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(sys.root).toEqual({ device: `/dev/mapper/${MAPPING}`, fstype: 'ext4', uuid: ROOT });
    expect(sys.luks).toEqual({ device: '/dev/sdb3', uuid: LUKS, name: MAPPING, crypttabName: MAPPING });
    expect(sys.mounts.map((m) => [m.mountpoint, m.device, m.stale])).toEqual([
      ['/', `/dev/mapper/${MAPPING}`, false],
      ['/boot', '/dev/sdb2', false],
      ['/boot/efi', '/dev/sdb1', false],
    ]);
    // /boot's files are the separate /boot's: kernels and initramfs found, GRUB's EFI binary on the ESP.
    expect(sys.kernels).toEqual(['6.1.0-9-amd64']);
    expect(sys.firmware).toBe('uefi');
    expect(sys.grub).toMatchObject({ config: true, efiBinary: true });
    expect(sys.problems).toEqual([]);
    expect(sys.refusals).toEqual([]);
  });
  it('none when the filesystem inside holds no os-release (data), or could not be read', () => {
    const found = classify(machine(), probes());
    const inner = { device: '/dev/mapper/x', fstype: 'ext4', sizeBytes: 1 };
    expect(unlockedSystem(machine(), probes(), found.locked[0]!, inner, inside({ osRelease: {} }), { name: 'x' })).toBeUndefined();
    expect(unlockedSystem(machine(), probes(), found.locked[0]!, inner, { device: 'x', read: false, error: 'bad superblock' }, { name: 'x' })).toBeUndefined();
  });
});

describe('a locked system\'s plans (golden)', () => {
  const sys = unlocked();
  const cases: [string, () => unknown][] = [
    ['locked-mount', () => ({ ok: true, plan: planMount(sys, ctx({ targetRoot: '/run/livekit/systems/sdb3' })) })],
    ['locked-password-alice', () => planPasswordRepair(sys, ctx(), 'alice')],
    ['locked-boot', () => planBootRepair(sys, ctx())],
    ['locked-boot-crypttab-name-taken', () => planBootRepair(unlocked('livekit-sdb3'), ctx())],
    ['locked-fsck', () => planFsckRepair(sys, ctx(), [{ device: `/dev/mapper/${MAPPING}`, fstype: 'ext4' }])],
    ['locked-copy-home', () => planCopyHome(sys, ctx(), 'alice', '/media/stick', { bytes: 1000, files: 3 })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const file = join(FIX, 'repair-plans', `${name}.json`);
      const text = `${JSON.stringify(make(), null, 2)}\n`;
      if (UPDATE || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
  it('every plan opens the container first, by the passphrase\'s reference, under crypttab\'s name, and ends by releasing it (mount: left open)', () => {
    const plans = [planPasswordRepair(sys, ctx(), 'alice'), planBootRepair(sys, ctx()), planFsckRepair(sys, ctx(), [{ device: sys.root.device, fstype: 'ext4' }]), planCopyHome(sys, ctx(), 'alice', '/x', { bytes: 1, files: 1 })];
    for (const r of plans) {
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      expect(r.plan.steps[0]).toEqual({
        id: 'unlock', label: 'plan:step.unlock', weight: 2,
        actions: [{ kind: 'open-luks', device: '/dev/sdb3', name: MAPPING, secret: 'encryption.passphrase', type: 'luks' }],
      });
      expect(r.plan.steps.at(-1)!.actions.at(-1)).toEqual({ kind: 'release' });
      // The device tree: the container's partition, its mapping's name, the filesystem's UUID.
      expect(r.plan.partitions[0]).toEqual({ role: 'root', device: '/dev/sdb3', luks: { uuid: LUKS, name: MAPPING }, fs: { type: 'ext4', format: false, mountpoint: '/', uuid: ROOT } });
      expect(JSON.stringify(r.plan)).not.toContain(PASSPHRASE);
    }
    const mount = planMount(sys, ctx());
    expect(mount.steps.map((s) => s.id)).toEqual(['unlock', 'mount']);
    expect(mount.steps[1]!.actions[0]).toMatchObject({ kind: 'mount', source: `/dev/mapper/${MAPPING}`, fstype: 'ext4' });
    expect(repairActionText(mount.steps[0]!.actions[0]!)).toBe(`cryptsetup open /dev/sdb3 ${MAPPING} < (passphrase)`);
  });
  it('boot is refused when crypttab\'s name is taken here: under another name the new initramfs would not open the root', () => {
    const r = planBootRepair(unlocked('livekit-sdb3'), ctx());
    expect(r).toEqual({ ok: false, problems: [{ code: 'crypttab-name-taken', params: { name: MAPPING } }] });
    // The other repairs do not care which name it is opened under.
    expect(planPasswordRepair(unlocked('livekit-sdb3'), ctx(), 'alice').ok).toBe(true);
  });
});
