// Machine facts on this very machine, with real loop devices: partitioned, formatted, mounted, a squashfs
// layer mounted from a loop device. Releases only what it created, even when an assertion fails.
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blkidProbe, collectMachineFacts } from '../../electron/engine/disks/collect.ts';
import { describeImage, NotAnImageError } from '../../electron/engine/disks/image.ts';
import { refusalsFor } from '../../electron/engine/disks/safety.ts';
import type { MachineFacts } from '../../electron/shared/facts.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;

describe.skipIf(!isRoot)('collectMachineFacts on this machine (needs root: loop devices, partitions, mounts)', () => {
  let dir = '';
  let loop = '';
  let layerLoop = '';
  /** What to undo, newest last: run in reverse, each step tolerant, so a failure leaves nothing behind. */
  const undo: { key: string; run: () => Promise<unknown> }[] = [];
  const umountLater = (target: string) => undo.push({ key: target, run: () => execa('umount', [target], { reject: false }) });
  const sh = (cmd: string, ...args: string[]) => execa(cmd, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-disks-'));
    const img = join(dir, 'disk.img');
    await writeFile(img, '');
    await truncate(img, 256 * MiB);
    loop = (await sh('losetup', '--find', '--show', img)).stdout.trim();
    undo.push({
      key: loop,
      run: async () => {
        await execa('partx', ['-d', loop], { reject: false });
        await execa('losetup', ['-d', loop], { reject: false });
      },
    });
    await execa('sfdisk', ['--wipe', 'always', loop], { input: 'label: gpt\nsize=64MiB, type=uefi\ntype=linux\n', reject: false });
    // No udev here: partx makes the partition nodes.
    await execa('partx', ['-a', loop], { reject: false });
    await execa('partx', ['-u', loop], { reject: false });
    await sh('mkfs.vfat', '-F', '32', '-i', 'C0FFEE01', `${loop}p1`);
    await sh('mkfs.ext4', '-q', '-F', '-U', '5e1f0000-0000-4000-8000-00000000b0b0', `${loop}p2`);
    await mkdir(join(dir, 'mnt'));
    await sh('mount', `${loop}p2`, join(dir, 'mnt'));
    umountLater(join(dir, 'mnt'));

    // A stand-in Live medium: a squashfs layer inside the medium dir, attached and mounted under the layers dir.
    // The medium dir is a tmpfs (as with livekit.ram): on the root disk, it would make every loop over a file
    // there count as Live, our test disk included.
    await mkdir(join(dir, 'medium'));
    await sh('mount', '-t', 'tmpfs', '-o', 'size=16m', 'lk-disks-medium', join(dir, 'medium'));
    umountLater(join(dir, 'medium'));
    await mkdir(join(dir, 'medium', 'livekit'), { recursive: true });
    await mkdir(join(dir, 'layer-src'));
    await writeFile(join(dir, 'layer-src', 'hello'), 'hi\n');
    const sq = join(dir, 'medium', 'livekit', 'base.squashfs');
    await sh('mksquashfs', join(dir, 'layer-src'), sq, '-quiet', '-noappend');
    layerLoop = (await sh('losetup', '--find', '--show', '--read-only', sq)).stdout.trim();
    undo.push({ key: layerLoop, run: () => execa('losetup', ['-d', layerLoop], { reject: false }) });
    await mkdir(join(dir, 'layers', 'base'), { recursive: true });
    await sh('mount', '-t', 'squashfs', '-o', 'ro', layerLoop, join(dir, 'layers', 'base'));
    umountLater(join(dir, 'layers', 'base'));
  });

  afterAll(async () => {
    for (const u of undo.reverse()) await u.run().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const facts = () => collectMachineFacts({ cmdline: 'quiet LANG=zh_CN.UTF-8', mediumDir: join(dir, 'medium'), layersDir: join(dir, 'layers') });
  const ourDisk = (f: MachineFacts) => f.disks.find((d) => d.path === loop);

  it('shows the loop disk with its partitions, filesystems and UUIDs, and refuses it as mounted', async () => {
    const t0 = Date.now();
    const f = await facts();
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(10_000);
    expect(f.cmdline).toBe('quiet LANG=zh_CN.UTF-8');
    expect(f.arch).toBe(process.arch);
    expect(f.ramBytes).toBeGreaterThan(256 * MiB);
    expect(['uefi', 'bios']).toContain(f.firmware);
    const d = ourDisk(f);
    expect(d, `${loop} in ${f.disks.map((x) => x.path).join(' ')}`).toBeDefined();
    expect(d!.sizeBytes).toBe(256 * MiB);
    expect(d!.partitions.map((p) => [p.path, p.number, p.fstype])).toEqual([
      [`${loop}p1`, 1, 'vfat'],
      [`${loop}p2`, 2, 'ext4'],
    ]);
    expect(d!.partitions[0]!.uuid).toBe('C0FF-EE01');
    expect(d!.partitions[0]!.parttype).toBe('c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
    expect(d!.partitions[1]!.uuid).toBe('5e1f0000-0000-4000-8000-00000000b0b0');
    expect(d!.partitions[1]!.mountpoints).toEqual([join(dir, 'mnt')]);
    expect(refusalsFor(d!, f, null)).toEqual([{ code: 'mounted', params: { device: `${loop}p2`, mountpoint: join(dir, 'mnt') } }]);
    console.log(`collectMachineFacts: ${elapsed} ms, ${f.disks.length} disks, live: ${f.liveDevices.join(' ')}`);
  });

  it('counts the layer loop device and the disk holding a non-overlay / as live, and refuses them', async () => {
    const f = await facts();
    expect(f.liveDevices).toContain(layerLoop);
    const layer = f.disks.find((d) => d.path === layerLoop)!;
    expect(refusalsFor(layer, f, null).map((r) => r.code)).toEqual(expect.arrayContaining(['live-medium', 'mounted', 'read-only']));
    const { stdout } = await execa('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '/']);
    const [fstype, source] = stdout.trim().split(/\s+/);
    if (fstype !== 'overlay' && source!.startsWith('/dev/')) {
      const rootDisk = f.disks.find((d) => d.path === source || d.partitions.some((p) => p.path === source));
      expect(rootDisk).toBeDefined();
      expect(f.liveDevices).toContain(rootDisk!.path);
      expect(refusalsFor(rootDisk!, f, null).map((r) => r.code)).toContain('live-medium');
    }
    // An image inside the medium dir is refused; our disk image elsewhere is not. The layer file is also
    // attached to the layer's loop device, so it is in use too.
    const inside = await describeImage(join(dir, 'medium', 'livekit', 'base.squashfs'));
    expect(refusalsFor(inside, f, null).map((r) => r.code)).toEqual(['live-medium', 'in-use']);
  });

  it('once unmounted the loop disk is not refused (and too small only for a bigger need)', async () => {
    await sh('umount', join(dir, 'mnt'));
    undo.splice(undo.findIndex((u) => u.key === join(dir, 'mnt')), 1);
    const f = await facts();
    const d = ourDisk(f)!;
    expect(d.partitions.flatMap((p) => p.mountpoints)).toEqual([]);
    expect(f.liveDevices).not.toContain(loop);
    expect(refusalsFor(d, f, null)).toEqual([]);
    expect(refusalsFor(d, f, 200 * MiB)).toEqual([]);
    expect(refusalsFor(d, f, 300 * MiB).map((r) => r.code)).toEqual(['too-small']);
  });

  it('blkid: a device it cannot probe (a loop node detached meanwhile) hides none of the devices after it', async () => {
    // `losetup --find` names a free loop node: what a loop device detached between lsblk and blkid leaves.
    const free = (await sh('losetup', '--find')).stdout.trim();
    const probed = await blkidProbe([layerLoop, free, `${loop}p1`, `${loop}p2`]);
    expect(probed.get(layerLoop)?.TYPE).toBe('squashfs');
    expect(probed.has(free)).toBe(false);
    expect(probed.get(`${loop}p1`)).toMatchObject({ TYPE: 'vfat', UUID: 'C0FF-EE01' });
    expect(probed.get(`${loop}p2`)).toMatchObject({ TYPE: 'ext4', UUID: '5e1f0000-0000-4000-8000-00000000b0b0' });
  });

  it('describeImage: a regular file is an image target; anything else is refused', async () => {
    const img = await describeImage(join(dir, 'disk.img'));
    expect(img).toMatchObject({ path: join(dir, 'disk.img'), realPath: join(dir, 'disk.img'), type: 'image', sizeBytes: 256 * MiB, readOnly: false, partitions: [] });
    await expect(describeImage(dir)).rejects.toBeInstanceOf(NotAnImageError);
    await expect(describeImage(join(dir, 'nope.img'))).rejects.toThrow(/no such file/);
  });
});
