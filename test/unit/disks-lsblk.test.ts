import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeBlkid, parseBlkidExport } from '../../electron/engine/disks/blkid.ts';
import { gpuVendorOf } from '../../electron/engine/disks/collect.ts';
import { diskOfDevice, parseLsblk, partitionNumber } from '../../electron/engine/disks/lsblk.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'machines');
const load = (f: string) => readFileSync(join(FIX, f), 'utf8');
const MiB = 1024 * 1024;

describe('parseLsblk on outputs recorded from real loop devices (util-linux 2.38, no udev)', () => {
  it('reads a GPT loop disk with an ESP and a mounted ext4 root', () => {
    const disks = parseLsblk(load('lsblk-loop-gpt-mounted.json'));
    expect(disks).toHaveLength(1);
    const d = disks[0]!;
    expect(d).toMatchObject({ path: '/dev/loop0', name: 'loop0', type: 'loop', sizeBytes: 1024 * MiB, readOnly: false, removable: false });
    expect(d.mountpoints).toEqual([]);
    expect(d.partitions.map((p) => [p.path, p.number, p.sizeBytes])).toEqual([
      ['/dev/loop0p1', 1, 512 * MiB],
      ['/dev/loop0p2', 2, 510 * MiB],
    ]);
    expect(d.partitions[0]!.mountpoints).toEqual([]);
    expect(d.partitions[1]!.mountpoints).toEqual(['/tmp/capB.Tqbu/m']);
    // Without udev lsblk knows no filesystem: blkid fills it (below).
    expect(d.partitions[1]!.fstype).toBeUndefined();
  });

  it('the same disk unmounted has no mountpoints anywhere', () => {
    const d = parseLsblk(load('lsblk-loop-gpt.json'))[0]!;
    expect([...d.mountpoints, ...d.partitions.flatMap((p) => p.mountpoints)]).toEqual([]);
  });

  it('reads an MBR loop disk with one partition filling it', () => {
    const d = parseLsblk(load('lsblk-loop-mbr.json'))[0]!;
    expect(d.partitions).toHaveLength(1);
    expect(d.partitions[0]).toMatchObject({ path: '/dev/loop0p1', number: 1, sizeBytes: 255 * MiB });
  });

  it("reads this host's virtio disk mounted at / and an empty zram0", () => {
    const disks = parseLsblk(load('lsblk-host-vda-zram.json'));
    expect(disks.map((d) => [d.path, d.type, d.sizeBytes])).toEqual([
      ['/dev/zram0', 'disk', 0],
      ['/dev/vda', 'disk', 256 * 1024 * MiB],
    ]);
    expect(disks[1]!.mountpoints).toEqual(['/']);
    expect(disks[1]!.model).toBeUndefined();
  });

  it('accepts the text or the parsed object, and refuses output without blockdevices', () => {
    expect(parseLsblk(JSON.parse(load('lsblk-loop-mbr.json')))).toEqual(parseLsblk(load('lsblk-loop-mbr.json')));
    expect(() => parseLsblk({})).toThrow(/blockdevices/);
  });
});

describe('parseLsblk on hand-written outputs (nvme, USB medium, LVM, sr0, zram0, ram0, mmcblk)', () => {
  const disks = parseLsblk(load('lsblk-handwritten.json'));
  const byName = (n: string) => disks.find((d) => d.name === n)!;

  it('keeps whole devices only, partitions nested', () => {
    expect(disks.map((d) => d.name)).toEqual(['nvme0n1', 'sda', 'sdb', 'sr0', 'zram0', 'ram0', 'mmcblk0', 'mmcblk0boot0', 'loop3', 'loop7']);
  });

  it('nvme: model, serial, transport, partition numbers after "p", fs facts, swap mountpoint', () => {
    const d = byName('nvme0n1');
    expect(d).toMatchObject({ model: 'Samsung SSD 980 PRO 512GB', serial: 'S5GXNF0R123456', transport: 'nvme' });
    expect(d.partitions.map((p) => [p.path, p.number, p.fstype])).toEqual([
      ['/dev/nvme0n1p1', 1, 'vfat'],
      ['/dev/nvme0n1p2', 2, 'ext4'],
      ['/dev/nvme0n1p3', 3, 'swap'],
    ]);
    expect(d.partitions[0]).toMatchObject({ uuid: '7A3C-11F2', parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', partuuid: '1b2c3d4e-0000-4000-8000-000000000001' });
    // lsblk's "[SWAP]" is active swap, not a mount.
    expect(d.partitions[2]).toMatchObject({ mountpoints: [], swapActive: true });
  });

  it('a USB stick is removable; an LVM volume mounted on a partition counts as that partition mounted', () => {
    expect(byName('sda').removable).toBe(true);
    expect(byName('sdb').partitions[0]!.mountpoints).toEqual(['/home']);
  });

  it('sr0 is a rom; mmcblk partitions; the read-only boot area', () => {
    expect(byName('sr0')).toMatchObject({ type: 'rom', removable: true, fstype: 'iso9660' });
    expect(byName('mmcblk0').partitions[0]).toMatchObject({ path: '/dev/mmcblk0p1', number: 1, fstype: 'exfat' });
    expect(byName('mmcblk0boot0').readOnly).toBe(true);
    expect(byName('zram0')).toMatchObject({ mountpoints: [], swapActive: true });
  });

  it('finds the disk of a partition', () => {
    expect(diskOfDevice(disks, '/dev/nvme0n1p2')?.path).toBe('/dev/nvme0n1');
    expect(diskOfDevice(disks, '/dev/sr0')?.path).toBe('/dev/sr0');
    expect(diskOfDevice(disks, '/dev/nope')).toBeUndefined();
  });

  it('partition numbers from names', () => {
    expect(partitionNumber('sda12', 'sda')).toBe(12);
    expect(partitionNumber('nvme0n1p3', 'nvme0n1')).toBe(3);
    expect(partitionNumber('mmcblk0p1', 'mmcblk0')).toBe(1);
    expect(partitionNumber('loop0p2', 'loop0')).toBe(2);
  });
});

describe('blkid fills what lsblk misses without udev', () => {
  // Shaped like `blkid -p -o export` output recorded here, with the values blkid showed for the loop disk above.
  const blkidText = [
    'DEVNAME=/dev/loop0p1\nUUID=1234-ABCD\nBLOCK_SIZE=512\nTYPE=vfat\nUSAGE=filesystem\nPART_ENTRY_SCHEME=gpt\nPART_ENTRY_TYPE=c12a7328-f81f-11d2-ba4b-00a0c93ec93b\nPART_ENTRY_UUID=dbb44bcf-a284-5c43-99e0-68d7c182248f\nPART_ENTRY_NUMBER=1',
    'DEVNAME=/dev/loop0p2\nLABEL=root\nUUID=11111111-2222-3333-4444-555555555555\nBLOCK_SIZE=1024\nTYPE=ext4\nPART_ENTRY_UUID=992D13BD-F928-C945-A09E-458A9662B8F0\nPART_ENTRY_NUMBER=2',
    'DEVNAME=/dev/loop0\nPTUUID=4a772819\nPTTYPE=gpt',
    '',
  ].join('\n\n');

  it('parses export blocks keyed by device', () => {
    const m = parseBlkidExport(blkidText);
    expect([...m.keys()]).toEqual(['/dev/loop0p1', '/dev/loop0p2', '/dev/loop0']);
    expect(m.get('/dev/loop0p2')).toMatchObject({ TYPE: 'ext4', LABEL: 'root' });
  });

  it('merges fstype, uuid, label, partuuid, parttype; keeps lsblk values', () => {
    const [d] = mergeBlkid(parseLsblk(load('lsblk-loop-gpt.json')), parseBlkidExport(blkidText));
    expect(d!.partitions[0]).toMatchObject({ fstype: 'vfat', uuid: '1234-ABCD', parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', partuuid: 'dbb44bcf-a284-5c43-99e0-68d7c182248f' });
    expect(d!.partitions[1]).toMatchObject({ fstype: 'ext4', uuid: '11111111-2222-3333-4444-555555555555', label: 'root', partuuid: '992d13bd-f928-c945-a09e-458a9662b8f0' });
    const hand = parseLsblk(load('lsblk-handwritten.json'));
    const merged = mergeBlkid(hand, new Map([['/dev/nvme0n1p2', { DEVNAME: '/dev/nvme0n1p2', TYPE: 'xfs' }]]));
    expect(merged[0]!.partitions[1]!.fstype).toBe('ext4');
  });
});

describe('GPU vendor names', () => {
  it('maps systeminformation vendor strings', () => {
    expect(gpuVendorOf('NVIDIA Corporation')).toBe('nvidia');
    expect(gpuVendorOf('Intel Corporation')).toBe('intel');
    expect(gpuVendorOf('Advanced Micro Devices, Inc. [AMD/ATI]')).toBe('amd');
    expect(gpuVendorOf('Loongson Technology LLC')).toBe('loongson');
  });
});
