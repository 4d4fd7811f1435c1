import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiskInfo, MachineFacts } from '../../electron/shared/facts.ts';
import { parseLsblk } from '../../electron/engine/disks/lsblk.ts';
import {
  BIOS_BOOT_BYTES,
  ESP_BYTES,
  GiB,
  MiB,
  partitionRefusalsFor,
  refusalsFor,
  requiredBytes,
} from '../../electron/engine/disks/safety.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'machines');
const disks = parseLsblk(readFileSync(join(FIX, 'lsblk-handwritten.json'), 'utf8'));
const disk = (name: string) => disks.find((d) => d.name === name)!;
const machine = (over: Partial<MachineFacts> = {}): MachineFacts => ({
  firmware: 'uefi',
  arch: 'x64',
  ramBytes: 8 * GiB,
  gpuVendors: [],
  disks,
  liveDevices: ['/dev/sda1', '/dev/sda', '/dev/loop3'],
  livePaths: ['/run/livekit/medium', '/run/livekit/layers', '/sysroots', '/srv/iso/livekit.iso'],
  cmdline: '',
  ...over,
});
const codes = (d: DiskInfo, m = machine(), need: number | null = null) => refusalsFor(d, m, need).map((r) => r.code);
const blank = (over: Partial<DiskInfo> = {}): DiskInfo => ({
  path: '/dev/sdz',
  name: 'sdz',
  sizeBytes: 100 * GiB,
  type: 'disk',
  readOnly: false,
  removable: false,
  mountpoints: [],
  partitions: [],
  ...over,
});

describe('requiredBytes', () => {
  it('is size × 1.25 + ESP (UEFI) or BIOS boot + swap', () => {
    const sysroot = { sizeBytes: 4 * GiB };
    expect(requiredBytes(sysroot, 0, 'uefi')).toBe(5 * GiB + 512 * MiB);
    expect(requiredBytes(sysroot, 2 * GiB, 'uefi')).toBe(7 * GiB + ESP_BYTES);
    expect(requiredBytes(sysroot, 2 * GiB, 'bios')).toBe(7 * GiB + BIOS_BOOT_BYTES);
    expect(requiredBytes({ sizeBytes: 3 }, 0, 'bios')).toBe(4 + MiB);
  });
});

describe('refusalsFor: one rule at a time', () => {
  it('a blank disk big enough is accepted', () => {
    expect(refusalsFor(blank(), machine(), 10 * GiB)).toEqual([]);
    expect(refusalsFor(blank(), machine(), null)).toEqual([]);
  });

  it('live-medium: the disk whose partition holds the medium', () => {
    expect(refusalsFor(disk('sda'), machine(), null)).toContainEqual({ code: 'live-medium', params: { device: '/dev/sda' } });
    // A partition alone in liveDevices is enough.
    const m = machine({ liveDevices: ['/dev/sda1'] });
    expect(codes(disk('sda'), m)).toContain('live-medium');
  });

  it('live-medium: a layer loop device', () => {
    expect(codes(disk('loop3'))).toContain('live-medium');
  });

  it('mounted: a partition mounted (nvme root, ESP) or a volume stacked on a partition (LVM)', () => {
    const r = refusalsFor(disk('nvme0n1'), machine(), null);
    expect(r).toContainEqual({ code: 'mounted', params: { device: '/dev/nvme0n1p1', mountpoint: '/boot/efi' } });
    expect(codes(disk('sdb'))).toEqual(['mounted']);
    expect(codes(blank({ mountpoints: ['/mnt'] }))).toEqual(['mounted']);
  });

  it('swap: an active swap partition or a whole-disk swap area', () => {
    const d = blank({ partitions: [{ path: '/dev/sdz1', sizeBytes: GiB, mountpoints: [], swapActive: true }] });
    expect(refusalsFor(d, machine(), null)).toEqual([{ code: 'swap', params: { device: '/dev/sdz1' } }]);
    expect(codes(blank({ swapActive: true }))).toEqual(['swap']);
    // As lsblk reports it: the nvme disk's third partition is active swap.
    expect(refusalsFor(disk('nvme0n1'), machine(), null)).toContainEqual({ code: 'swap', params: { device: '/dev/nvme0n1p3' } });
  });

  it('read-only', () => {
    expect(codes(disk('mmcblk0boot0'))).toContain('read-only');
    expect(codes(blank({ readOnly: true }))).toEqual(['read-only']);
  });

  it('too-small, with the sizes as params', () => {
    const r = refusalsFor(disk('mmcblk0'), machine(), 30 * GiB);
    expect(r).toEqual([{ code: 'too-small', params: { need: '30 GiB', size: '29 GiB', needBytes: 30 * GiB, sizeBytes: 29 * GiB } }]);
    expect(refusalsFor(disk('mmcblk0'), machine(), 29 * GiB)).toEqual([]);
    // An empty loop device or card reader can never be a target, whatever the need.
    expect(codes(disk('loop7'))).toEqual(['empty']);
  });

  it('optical, zram, ram', () => {
    expect(codes(disk('sr0'))).toEqual(['optical']);
    expect(codes(disk('zram0'))).toEqual(['zram', 'swap']);
    expect(codes(disk('ram0'))).toEqual(['ram']);
  });
});

describe('refusalsFor: image files', () => {
  const image = (path: string, over: Partial<DiskInfo> = {}) => blank({ path, name: 'x.img', type: 'image', realPath: path, ...over });

  it('a writable image big enough is accepted', () => {
    expect(refusalsFor(image('/var/tmp/vm.img'), machine(), 8 * GiB)).toEqual([]);
  });

  it('the medium itself, or a file inside the medium, the layers or a sysroot, is refused', () => {
    expect(codes(image('/srv/iso/livekit.iso'))).toEqual(['live-medium']);
    expect(codes(image('/run/livekit/medium/livekit/base.squashfs'))).toEqual(['live-medium']);
    expect(codes(image('/sysroots/desktop/var/disk.img'))).toEqual(['live-medium']);
    // Through a symlink: the real path decides.
    expect(codes(image('/home/me/link.img', { realPath: '/srv/iso/livekit.iso' }))).toEqual(['live-medium']);
  });

  // Identities (st_dev:st_ino) as collected by disks/live-ids.ts: the medium's file, its folder, its own filesystem.
  const liveIds = {
    files: [{ path: '/srv/medium/livekit/base.squashfs', id: '2049:77' }],
    folders: [{ path: '/srv/medium', id: '2049:70' }],
    filesystems: [{ path: '/run/livekit/medium', dev: '2065' }],
  };
  const place = (id: string | undefined, dev: string, folders: string[]) => ({ ...(id ? { id } : {}), dev, folders });

  it('by identity: a hard link or bind mount of a medium file, a path below a bind of its folder, its own filesystem', () => {
    const m = machine({ liveIds });
    const at = (path: string, p: ReturnType<typeof place>) => refusalsFor(image(path, { place: p }), m, null);
    // A hard link elsewhere on the same filesystem (or a bind of the file): the same inode.
    expect(at('/var/tmp/link.img', place('2049:77', '2049', ['2049:12', '2049:2']))).toEqual([{ code: 'live-medium', params: { device: '/srv/medium/livekit/base.squashfs' } }]);
    // Below a bind mount of the medium's folder: the mount point shows the folder's identity.
    expect(at('/mnt/bind/other.img', place('2049:99', '2049', ['2049:70', '2049:5', '2049:2']))).toEqual([{ code: 'live-medium', params: { device: '/srv/medium' } }]);
    // Anywhere on the medium's own filesystem.
    expect(at('/media/usb/x.img', place('2065:12', '2065', ['2065:2', '2049:2']))).toEqual([{ code: 'live-medium', params: { device: '/run/livekit/medium' } }]);
    // Another file on the host's filesystem is fine.
    expect(at('/var/tmp/vm.img', place('2049:100', '2049', ['2049:12', '2049:2']))).toEqual([]);
  });

  it('too small or read-only', () => {
    expect(codes(image('/var/tmp/vm.img', { sizeBytes: GiB }), machine(), 2 * GiB)).toEqual(['too-small']);
    expect(codes(image('/var/tmp/vm.img', { readOnly: true }))).toEqual(['read-only']);
  });

  it('in-use: attached to a loop device or held open by a process, naming who', () => {
    const looped = image('/var/tmp/vm.img', { inUse: [{ kind: 'loop', device: '/var/tmp/vm.img', loop: '/dev/loop7' }] });
    expect(refusalsFor(looped, machine(), null)).toEqual([{ code: 'in-use', params: { device: '/var/tmp/vm.img', by: '/dev/loop7' } }]);
    const opened = image('/var/tmp/vm.img', {
      inUse: [
        { kind: 'process', device: '/var/tmp/vm.img', pid: 812, command: 'qemu-system-x86_64 -hda vm.img' },
        { kind: 'loop', device: '/var/tmp/vm.img', loop: '/dev/loop7' },
      ],
    });
    expect(refusalsFor(opened, machine(), null)[0]!.params).toEqual({ device: '/var/tmp/vm.img', by: 'pid 812 (qemu-system-x86_64 -hda vm.img) +1' });
  });

  it('no-room: the sparse image would outgrow what its filesystem has free (its own blocks count as room)', () => {
    const room = (freeBytes: number, allocatedBytes: number) => image('/var/tmp/vm.img', { hostSpace: { freeBytes, allocatedBytes } });
    expect(codes(room(GiB, 0), machine(), 2 * GiB)).toEqual(['no-room']);
    expect(refusalsFor(room(GiB, 0), machine(), 2 * GiB)[0]!.params).toMatchObject({ needBytes: 2 * GiB, freeBytes: GiB });
    expect(codes(room(GiB, GiB), machine(), 2 * GiB)).toEqual([]);
    expect(codes(room(0, 0), machine(), null)).toEqual([]); // no variant chosen yet: nothing to compare
  });
});

describe('refusalsFor: disks in use besides mounts and swap', () => {
  it('a process holding the disk or a partition open, or a device stacked on it (dm, md)', () => {
    const held = blank({ partitions: [{ path: '/dev/sdz1', sizeBytes: GiB, mountpoints: [], swapActive: false }], inUse: [{ kind: 'process', device: '/dev/sdz1', pid: 99, command: 'dd of=/dev/sdz1' }] });
    expect(refusalsFor(held, machine(), null)).toEqual([{ code: 'in-use', params: { device: '/dev/sdz1', by: 'pid 99 (dd of=/dev/sdz1)' } }]);
    const stacked = blank({ inUse: [{ kind: 'holder', device: '/dev/sdz', holder: '/dev/dm-0' }] });
    expect(refusalsFor(stacked, machine(), null)).toEqual([{ code: 'in-use', params: { device: '/dev/sdz', by: '/dev/dm-0' } }]);
  });

  it("installing into a partition: its own users and the whole disk's count, another partition's do not", () => {
    const parts = [1, 2].map((n) => ({ path: `/dev/sdz${n}`, sizeBytes: 10 * GiB, mountpoints: [], swapActive: false }));
    const other = blank({ partitions: parts, inUse: [{ kind: 'holder', device: '/dev/sdz1', holder: '/dev/dm-0' }] });
    expect(partitionRefusalsFor(parts[1]!, other, machine(), null)).toEqual([]);
    expect(partitionRefusalsFor(parts[0]!, other, machine(), null).map((r) => r.code)).toEqual(['in-use']);
    const whole = blank({ partitions: parts, inUse: [{ kind: 'process', device: '/dev/sdz', pid: 5, command: 'gparted /dev/sdz' }] });
    expect(partitionRefusalsFor(parts[1]!, whole, machine(), null).map((r) => r.code)).toEqual(['in-use']);
  });
});

describe('partitionRefusalsFor (installing into existing partitions)', () => {
  it('only the chosen partition must be free; other partitions of its disk may stay mounted', () => {
    const nvme = disk('nvme0n1');
    expect(partitionRefusalsFor(nvme.partitions[1]!, nvme, machine(), null).map((r) => r.code)).toEqual(['mounted']);
    const free = { ...nvme.partitions[1]!, mountpoints: [] };
    expect(partitionRefusalsFor(free, nvme, machine(), 10 * GiB)).toEqual([]);
    expect(partitionRefusalsFor(free, nvme, machine(), 500 * GiB).map((r) => r.code)).toEqual(['too-small']);
  });

  it('a partition on the Live medium disk, or in use as swap, is refused', () => {
    const sda = disk('sda');
    const p = { ...sda.partitions[0]!, mountpoints: [] };
    expect(partitionRefusalsFor(p, sda, machine(), null).map((r) => r.code)).toEqual(['live-medium']);
    const swap = { ...p, swapActive: true };
    expect(partitionRefusalsFor(swap, blank(), machine(), null).map((r) => r.code)).toEqual(['swap']);
  });
});
