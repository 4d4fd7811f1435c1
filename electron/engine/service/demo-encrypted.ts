// `livekit serve --demo`'s encrypted system, for the repair path's Unlock: an image laid out as an encrypted
// install lays out a BIOS disk (BIOS boot, a plain ext4 /boot, the root in LUKS2 with argon2id), holding a
// copy of the demo's installed system with crypttab and fstab by UUID. The container's passphrase is
// DEMO_ENCRYPTED.passphrase (said in the README, as the demo account's password is). Where this kernel has no
// device-mapper, the container is made but stays empty: it is listed locked, its passphrase is checked, and
// its unlock says why it cannot be opened here.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export const DEMO_ENCRYPTED = { name: 'demo-encrypted.img', mib: 512, passphrase: 'demo passphrase', prettyName: 'LiveKit Tiny 1 (encrypted)' };

const MiB = 1024 * 1024;
/** argon2id as the installer uses it, with a small cost: the demo (and the tests in a TCG guest) unlock it often. */
const LUKS_OPTIONS = ['--type', 'luks2', '--pbkdf', 'argon2id', '--pbkdf-memory', '65536', '--pbkdf-force-iterations', '4', '--pbkdf-parallel', '1'];

/** This kernel can open LUKS containers (device-mapper with dm-crypt, loaded on demand where it is a module). */
async function canOpenLuks(): Promise<boolean> {
  await execa('modprobe', ['-q', 'dm_crypt'], { reject: false });
  const misc = existsSync('/proc/misc') ? readFileSync('/proc/misc', 'utf8') : '';
  return /\bdevice-mapper$/m.test(misc);
}

/** Copies the root filesystem on `source` (mounted read-only meanwhile) into a new folder, made an encrypted system's. */
async function stagedCopy(source: string, dir: string, uuids: { inner: string; boot: string; luks: string }): Promise<string> {
  const mnt = mkdtempSync(join(dir, 'installed-'));
  const stage = mkdtempSync(join(dir, 'encrypted-'));
  await execa('mount', ['-o', 'ro', source, mnt]);
  try {
    await execa('cp', ['-a', `${mnt}/.`, stage]);
  } finally {
    await execa('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
  writeFileSync(join(stage, 'etc/fstab'), `UUID=${uuids.inner} / ext4 errors=remount-ro 0 1\nUUID=${uuids.boot} /boot ext4 defaults 0 2\n`);
  writeFileSync(join(stage, 'etc/crypttab'), `luks-${uuids.luks} UUID=${uuids.luks} none luks\n`);
  // A name of its own beside the plain demo system (os-release may be a link into /usr: replaced, not written through).
  if (existsSync(join(stage, 'etc/os-release'))) unlinkSync(join(stage, 'etc/os-release'));
  writeFileSync(join(stage, 'etc/os-release'), `PRETTY_NAME="${DEMO_ENCRYPTED.prettyName}"\nNAME="LiveKit Tiny"\nID=livekit-tiny\n`);
  return stage;
}

/** Makes the encrypted demo image and attaches it (partitions /dev/loopNp1..3); `filled`: a system is inside. */
export async function prepareEncrypted(dir: string, installedRoot: string): Promise<{ image: string; loop: string; filled: boolean }> {
  const image = join(dir, DEMO_ENCRYPTED.name);
  writeFileSync(image, '');
  truncateSync(image, DEMO_ENCRYPTED.mib * MiB);
  const table = ['label: gpt', 'size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"', 'size=32MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="LiveKit boot"', 'type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="LiveKit root"'].join('\n');
  await execa('sfdisk', ['--quiet', image], { input: table });
  const loop = (await execa('losetup', ['--find', '--show', '--partscan', image])).stdout.trim();
  await execa('partx', ['-u', loop], { reject: false });
  await execa('partx', ['-a', loop], { reject: false });
  const uuids = { luks: randomUUID(), inner: randomUUID(), boot: randomUUID() };
  const name = `livekit-demo-build-${process.pid}`;
  let stage: string | undefined;
  try {
    await execa('mkfs.ext4', ['-q', '-F', '-U', uuids.boot, '-L', 'boot', `${loop}p2`]);
    await execa('cryptsetup', ['luksFormat', ...LUKS_OPTIONS, '--uuid', uuids.luks, '--batch-mode', '--key-file=-', `${loop}p3`], { input: DEMO_ENCRYPTED.passphrase });
    if (!(await canOpenLuks())) return { image, loop, filled: false };
    stage = await stagedCopy(installedRoot, dir, uuids);
    await execa('cryptsetup', ['open', '--type', 'luks2', '--key-file=-', `${loop}p3`, name], { input: DEMO_ENCRYPTED.passphrase });
    try {
      await execa('mkfs.ext4', ['-q', '-F', '-U', uuids.inner, '-d', stage, `/dev/mapper/${name}`]);
    } finally {
      await execa('cryptsetup', ['close', name], { reject: false });
    }
    return { image, loop, filled: true };
  } catch (e) {
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
    throw e;
  } finally {
    if (stage) rmSync(stage, { recursive: true, force: true });
  }
}
