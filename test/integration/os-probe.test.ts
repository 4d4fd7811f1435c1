// The OS probe on real loop devices: a disk with an ESP booting Windows (FAT written with mtools), NTFS,
// ext4 whose etc/os-release is an absolute symlink (never followed) beside a real usr/lib/os-release,
// xfs, and a mounted ext4 that must not be probed. Then the same disk as part of the Live system: untouched.
// Releases only what it created; checks that the probe left no mount behind.
import { mkdir, mkdtemp, rm, truncate, writeFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMachineFacts } from '../../electron/engine/disks/collect.ts';
import { PROBE_OS_SCRIPT, withOperatingSystems } from '../../electron/engine/disks/os-probe.ts';
import type { MachineFacts } from '../../electron/shared/facts.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;

describe('the probe script', () => {
  it('passes shellcheck', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lk-probe-sc-'));
    await writeFile(join(dir, 'probe-os.sh'), `#!/usr/bin/env bash\n${PROBE_OS_SCRIPT}`);
    const r = await execa('shellcheck', [join(dir, 'probe-os.sh')], { reject: false });
    await rm(dir, { recursive: true, force: true });
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

describe.skipIf(!isRoot)('withOperatingSystems on loop devices (needs root: loop devices, mounts)', () => {
  let dir = '';
  let loop = '';
  const mnt = () => join(dir, 'mnt');

  async function writeInto(dev: string, fstype: string, files: Record<string, string>, links: Record<string, string> = {}): Promise<void> {
    await execa('mount', ['-t', fstype, dev, mnt()]);
    try {
      for (const [rel, text] of Object.entries(files)) {
        await mkdir(join(mnt(), rel, '..'), { recursive: true });
        await writeFile(join(mnt(), rel), text);
      }
      for (const [rel, to] of Object.entries(links)) {
        await mkdir(join(mnt(), rel, '..'), { recursive: true });
        await symlink(to, join(mnt(), rel));
      }
    } finally {
      await execa('umount', [mnt()]);
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-osprobe-'));
    await mkdir(mnt());
    await mkdir(join(dir, 'busy'));
    const img = join(dir, 'disk.img');
    await writeFile(img, '');
    await truncate(img, 800 * MiB);
    loop = (await execa('losetup', ['--find', '--show', img])).stdout.trim();
    await execa('sfdisk', ['--quiet', '--wipe', 'always', loop], {
      input: 'label: gpt\nsize=40MiB, type=uefi, name="EFI system partition"\nsize=64MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\nsize=100MiB, type=linux, name="old-debian"\nsize=320MiB, type=linux\nsize=64MiB, type=linux\n',
    });
    await execa('partx', ['-a', loop], { reject: false });
    await execa('partx', ['-u', loop], { reject: false });
    await execa('mkfs.vfat', ['-F', '32', '-n', 'SYSTEM', `${loop}p1`]);
    for (const d of ['::/EFI', '::/EFI/Microsoft', '::/EFI/Microsoft/Boot']) await execa('mmd', ['-i', `${loop}p1`, d]);
    await writeFile(join(dir, 'bootmgfw.efi'), 'MZ');
    await execa('mcopy', ['-i', `${loop}p1`, join(dir, 'bootmgfw.efi'), '::/EFI/Microsoft/Boot/bootmgfw.efi']);
    await execa('mkntfs', ['-Q', '-F', '-L', 'Windows', `${loop}p2`]);
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'debian', `${loop}p3`]);
    await writeInto(`${loop}p3`, 'ext4', { 'usr/lib/os-release': 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' }, { 'etc/os-release': '/etc/hostname' });
    await execa('mkfs.xfs', ['-q', '-f', '-L', 'aosc', `${loop}p4`]);
    await writeInto(`${loop}p4`, 'xfs', { 'etc/os-release': 'NAME="AOSC OS"\nVERSION="11.4.0"\n' });
    await execa('mkfs.ext4', ['-q', '-F', `${loop}p5`]);
    await writeInto(`${loop}p5`, 'ext4', { 'etc/os-release': 'PRETTY_NAME="Busy System"\n' });
    await execa('mount', ['-o', 'ro', `${loop}p5`, join(dir, 'busy')]);
  }, 120_000);

  afterAll(async () => {
    await execa('umount', [join(dir, 'busy')], { reject: false });
    await execa('umount', [mnt()], { reject: false });
    if (loop) {
      await execa('partx', ['-d', loop], { reject: false });
      await execa('losetup', ['-d', loop], { reject: false });
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function ourDisk(live: boolean): Promise<MachineFacts> {
    const m = await collectMachineFacts({ cmdline: '', mediumDir: join(dir, 'no-medium') });
    const disks = m.disks.filter((d) => d.path === loop);
    return { ...m, disks, liveDevices: live ? [loop] : [] };
  }

  it('names Windows, Debian (through usr/lib, not the absolute link) and AOSC; leaves the mounted one alone', async () => {
    const before = (await execa('findmnt', ['-rn', '-o', 'TARGET'])).stdout;
    const m = await withOperatingSystems(await ourDisk(false));
    const os = Object.fromEntries(m.disks[0]!.partitions.map((p) => [p.path.slice(loop.length), p.os ?? null]));
    expect(os).toEqual({ p1: null, p2: 'Windows', p3: 'Debian GNU/Linux 12 (bookworm)', p4: 'AOSC OS 11.4.0', p5: null });
    const labels = m.disks[0]!.partitions.map((p) => p.label ?? p.partlabel ?? null);
    expect(labels.slice(0, 4)).toEqual(['SYSTEM', 'Windows', 'debian', 'aosc']);
    // The probe mounted in its own namespace: this one's table is unchanged.
    expect((await execa('findmnt', ['-rn', '-o', 'TARGET'])).stdout).toBe(before);
  }, 60_000);

  it('probes nothing on a disk of the Live system', async () => {
    const m = await withOperatingSystems(await ourDisk(true));
    expect(m.disks[0]!.partitions.every((p) => p.os === undefined)).toBe(true);
  });
});
