// A disk image holding several "installed systems" for the maintenance tools' tests: a GPT disk with an
// ESP (FAT, GRUB's EFI binary), an ext4 Linux root (busybox userland, a kernel and initramfs in /boot, GRUB's
// modules, users), a btrfs with the `@`/`@home` layout, a LUKS2 container, an NTFS one (when mkfs.ntfs is
// there), a squashfs (an unknown file system here) and a plain ext4 /boot. Where this kernel can open LUKS
// (device-mapper), the container holds an encrypted system as the installer makes one: an ext4 root
// (busybox, a chpasswd of its own) whose fstab names the /boot beside it and the ESP, and whose crypttab
// names the container `luks-<uuid>`. Built with real mkfs tools; every mount and mapping is released.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, copyFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { attachImage, makeImage, type Attached } from './image.ts';

export const MiB = 1024 * 1024;
const MTOOLS = { MTOOLS_SKIP_CHECK: '1' };

export const UUIDS = {
  ext4: '3a7c1c2e-0d6e-4f0e-9a7e-1f2b3c4d5e01',
  btrfs: '3a7c1c2e-0d6e-4f0e-9a7e-1f2b3c4d5e02',
  esp: 'ABCD-1234',
  dead: '00000000-dead-4bad-8bad-000000000000',
  /** The LUKS2 container's header, the ext4 root inside it, and the plain /boot beside it. */
  luks: '3a7c1c2e-0d6e-4f0e-9a7e-1f2b3c4d5e03',
  inner: '3a7c1c2e-0d6e-4f0e-9a7e-1f2b3c4d5e04',
  boot: '3a7c1c2e-0d6e-4f0e-9a7e-1f2b3c4d5e05',
};

/** The container's passphrase (spaces and non-ASCII: it reaches cryptsetup exactly, on stdin). */
export const LUKS_PASSPHRASE = 'rescue disk pass 密码 1';
/** The encrypted system's name (os-release). */
export const ENCRYPTED_NAME = 'Secret Linux 1 (encrypted)';

export const HAS_NTFS = existsSync('/usr/sbin/mkfs.ntfs') || existsSync('/sbin/mkfs.ntfs');
export const HAS_CRYPTSETUP = existsSync('/usr/sbin/cryptsetup') || existsSync('/sbin/cryptsetup');

/** This kernel can open LUKS containers: device-mapper with dm-crypt (loaded on demand where it is a module). */
export async function deviceMapperReady(): Promise<boolean> {
  if (!HAS_CRYPTSETUP) return false;
  await execa('modprobe', ['-q', 'dm_crypt'], { reject: false });
  const misc = existsSync('/proc/misc') ? readFileSync('/proc/misc', 'utf8') : '';
  return /\bdevice-mapper$/m.test(misc) && existsSync('/sys/module/dm_crypt');
}

/**
 * A chpasswd for busybox roots (busybox has none): `user:password` lines on stdin, each password hashed
 * (SHA-512 crypt, read by mkpasswd from its stdin) into /etc/shadow.
 */
const CHPASSWD = `#!/bin/sh
while IFS= read -r line || [ -n "$line" ]; do
  user=\${line%%:*}
  pass=\${line#*:}
  hash=$(printf '%s' "$pass" | mkpasswd -m sha512 -P 0) || exit 1
  awk -F: -v u="$user" -v h="$hash" 'BEGIN { OFS = ":" } $1 == u { $2 = h; found = 1 } { print } END { exit !found }' /etc/shadow > /etc/shadow.new || { rm -f /etc/shadow.new; exit 1; }
  cat /etc/shadow.new > /etc/shadow
  rm -f /etc/shadow.new
done
`;

/** A tiny Linux root: busybox as sh/env/chpasswd, os-release, fstab, passwd, /boot with a kernel. */
export function writeBusyboxRoot(dir: string, o: { prettyName: string; id: string; fstab: string; withInitramfs?: boolean }): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'boot/grub', 'root', 'home/alice', 'dev', 'proc', 'sys', 'run', 'tmp', 'usr/lib/grub/x86_64-efi', 'usr/lib/grub/i386-pc', 'usr/lib/modules/6.1.0-test']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  copyFileSync('/usr/bin/busybox', join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'ls', 'cat', 'echo', 'id', 'pwd', 'true', 'sleep', 'grep']) symlinkSync('busybox', join(dir, 'bin', a));
  symlinkSync('/bin/busybox', join(dir, 'usr/bin/env'));
  symlinkSync('/bin/busybox', join(dir, 'usr/sbin/chpasswd'));
  // Names the tools detection looks for (never run by these tests).
  for (const t of ['grub-install', 'update-initramfs', 'useradd']) writeFileSync(join(dir, 'usr/sbin', t), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  writeFileSync(join(dir, 'usr/lib/grub/x86_64-efi/normal.mod'), '');
  writeFileSync(join(dir, 'usr/lib/grub/i386-pc/normal.mod'), '');
  writeFileSync(join(dir, 'etc/os-release'), `PRETTY_NAME="${o.prettyName}"\nNAME="${o.prettyName}"\nID=${o.id}\n`);
  writeFileSync(join(dir, 'etc/fstab'), o.fstab);
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nsvc:x:1001:1001::/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(join(dir, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nalice:*:19000:0:99999:7:::\nsvc:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n');
  writeFileSync(join(dir, 'etc/resolv.conf'), '# the system\'s own\n');
  writeFileSync(join(dir, 'home/alice/notes.txt'), 'hello from alice\n');
  writeFileSync(join(dir, 'boot/vmlinuz-6.1.0-test'), 'kernel');
  if (o.withInitramfs !== false) writeFileSync(join(dir, 'boot/initrd.img-6.1.0-test'), 'initramfs');
  writeFileSync(join(dir, 'boot/grub/grub.cfg'), '# grub.cfg\n');
}

export interface RescueDisk {
  image: string;
  loop: Attached;
  /** Partition devices by role. */
  esp: string;
  ext4: string;
  btrfs: string;
  luks: string;
  ntfs: string;
  squash: string;
  /** The plain /boot of the encrypted system. */
  boot: string;
  /** The container holds the encrypted system (only where this kernel can open LUKS). */
  encrypted: boolean;
  release(): Promise<void>;
}

/** The encrypted system's root: busybox, its own chpasswd, fstab by UUID (root inside, /boot and the ESP beside), crypttab. */
function writeEncryptedRoot(dir: string): void {
  writeBusyboxRoot(dir, {
    prettyName: ENCRYPTED_NAME,
    id: 'secretlinux',
    fstab: `UUID=${UUIDS.inner} / ext4 errors=remount-ro 0 1\nUUID=${UUIDS.boot} /boot ext4 defaults 0 2\nUUID=${UUIDS.esp} /boot/efi vfat umask=0077 0 1\n`,
  });
  // /boot is the partition beside the container: the root's own /boot is its empty mount point.
  rmSync(join(dir, 'boot'), { recursive: true });
  mkdirSync(join(dir, 'boot'));
  for (const a of ['awk', 'mkpasswd', 'rm']) symlinkSync('busybox', join(dir, 'bin', a));
  rmSync(join(dir, 'usr/sbin/chpasswd'));
  writeFileSync(join(dir, 'usr/sbin/chpasswd'), CHPASSWD, { mode: 0o755 });
  writeFileSync(join(dir, 'etc/crypttab'), `luks-${UUIDS.luks} UUID=${UUIDS.luks} none luks,discard\n`);
}

export async function buildRescueDisk(work: string): Promise<RescueDisk> {
  const image = join(work, 'systems.img');
  await makeImage(image, 900 * MiB);
  const layout = [
    'label: gpt',
    'size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP',
    'size=160MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    'size=200MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    'size=48MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    'size=40MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
    'size=16MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    'size=32MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=boot',
    '',
  ].join('\n');
  await execa('sfdisk', ['-q', image], { input: layout });
  const loop = await attachImage(image);
  const d = { image, loop, esp: loop.part(1), ext4: loop.part(2), btrfs: loop.part(3), luks: loop.part(4), ntfs: loop.part(5), squash: loop.part(6), boot: loop.part(7), encrypted: false };
  const tmp = mkdtempSync(join(tmpdir(), 'livekit-rescue-build-'));
  try {
    // ESP: GRUB's EFI binary where Debian puts it.
    await execa('mkfs.vfat', ['-F', '32', '-n', 'EFI', '-i', UUIDS.esp.replace('-', ''), d.esp]);
    await execa('mmd', ['-i', d.esp, '::/EFI', '::/EFI/debian'], { env: MTOOLS });
    writeFileSync(join(tmp, 'grubx64.efi'), 'efi');
    await execa('mcopy', ['-i', d.esp, join(tmp, 'grubx64.efi'), '::/EFI/debian/grubx64.efi'], { env: MTOOLS });

    // ext4: a UEFI system whose fstab names its root, its ESP, and a data disk that is gone.
    const ext4Root = join(tmp, 'ext4');
    writeBusyboxRoot(ext4Root, {
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      id: 'debian',
      fstab: `UUID=${UUIDS.ext4} / ext4 errors=remount-ro 0 1\nUUID=${UUIDS.esp} /boot/efi vfat umask=0077 0 1\nUUID=${UUIDS.dead} /data ext4 defaults 0 2\ntmpfs /tmp tmpfs defaults 0 0\n`,
    });
    await execa('mkfs.ext4', ['-q', '-F', '-U', UUIDS.ext4, '-d', ext4Root, d.ext4]);

    // btrfs with @ and @home: a BIOS system (no ESP in its fstab), no initramfs for its kernel.
    await execa('mkfs.btrfs', ['-q', '-f', '-U', UUIDS.btrfs, d.btrfs]);
    const mnt = join(tmp, 'btrfs-mnt');
    mkdirSync(mnt);
    await execa('mount', ['-t', 'btrfs', d.btrfs, mnt]);
    try {
      await execa('btrfs', ['subvolume', 'create', join(mnt, '@')]);
      await execa('btrfs', ['subvolume', 'create', join(mnt, '@home')]);
      writeBusyboxRoot(join(mnt, '@'), {
        prettyName: 'openSUSE Tumbleweed',
        id: 'opensuse-tumbleweed',
        fstab: `UUID=${UUIDS.btrfs} / btrfs subvol=@,defaults 0 0\nUUID=${UUIDS.btrfs} /home btrfs subvol=@home 0 0\n`,
        withInitramfs: false,
      });
      mkdirSync(join(mnt, '@home/alice'), { recursive: true });
      writeFileSync(join(mnt, '@home/alice/from-home-subvol.txt'), 'in @home\n');
    } finally {
      await execa('umount', [mnt]);
    }

    // LUKS2 (a cheap KDF: tests open it often), holding an encrypted system where this kernel can open it;
    // its plain /boot beside it.
    const bootTree = join(tmp, 'boot-tree');
    mkdirSync(join(bootTree, 'grub'), { recursive: true });
    writeFileSync(join(bootTree, 'vmlinuz-6.1.0-test'), 'kernel');
    writeFileSync(join(bootTree, 'initrd.img-6.1.0-test'), 'initramfs');
    writeFileSync(join(bootTree, 'grub/grub.cfg'), '# grub.cfg\n');
    await execa('mkfs.ext4', ['-q', '-F', '-U', UUIDS.boot, '-L', 'boot', '-d', bootTree, d.boot]);
    if (HAS_CRYPTSETUP) {
      const key = join(tmp, 'key');
      writeFileSync(key, LUKS_PASSPHRASE);
      await execa('cryptsetup', ['luksFormat', '--batch-mode', '--type', 'luks2', '--uuid', UUIDS.luks, '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file', key, d.luks]);
      if (await deviceMapperReady()) {
        const name = `lk-rescue-build-${process.pid}`;
        await execa('cryptsetup', ['open', '--type', 'luks2', '--key-file', key, d.luks, name]);
        try {
          const root = join(tmp, 'encrypted');
          writeEncryptedRoot(root);
          await execa('mkfs.ext4', ['-q', '-F', '-U', UUIDS.inner, '-d', root, `/dev/mapper/${name}`]);
        } finally {
          await execa('cryptsetup', ['close', name]);
        }
        d.encrypted = true;
      }
    }
    if (HAS_NTFS) await execa('mkfs.ntfs', ['-Q', '-F', '-L', 'Windows', d.ntfs]);
    // squashfs: a file system these tools do not read.
    mkdirSync(join(tmp, 'sq'));
    writeFileSync(join(tmp, 'sq/x'), 'x');
    await execa('mksquashfs', [join(tmp, 'sq'), join(tmp, 'sq.img'), '-quiet', '-noappend']);
    await execa('dd', [`if=${join(tmp, 'sq.img')}`, `of=${d.squash}`, 'bs=1M', 'conv=notrunc', 'status=none']);
  } catch (e) {
    await loop.detach();
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ...d, release: () => loop.detach() };
}
