#!/usr/bin/env bash
# Builds, with plain commands and without the installer, the disk an encrypted install is to make, so
# the QEMU harness (luks-boot.ts) can be proven on it: GPT with an ESP (FAT), a plain ext4 /boot, and
# a LUKS2 (argon2id) root holding an ext4 with the given sysroot (the Debian fixture); crypttab and
# fstab by UUID, /etc/default/keyboard with the given XKB layout (and console-setup's cache refreshed),
# the initramfs rebuilt in a chroot by the sysroot's own update-initramfs (cryptsetup-initramfs turns
# its keymap hook on: KEYMAP=y), and GRUB for x86_64-efi at the
# removable path with /boot as its root. A user (alice) to log in as.
#
# This host's kernel has no device-mapper (and no vfat), so nothing here opens the container: the root
# filesystem is made as an ext4 image and set up in a chroot mounted from a loop device, then written
# into the LUKS2 data segment encrypted in userspace (xts-encrypt.mjs) with the volume key given to
# luksFormat. Because no mapping exists while update-initramfs runs, the initramfs hook cannot trace
# `/` to its crypttab line; the line carries `initramfs` so the hook takes it anyway (an installer that
# opens the mapping under the crypttab name needs no such option). With --control, the same initramfs
# is also built with the US layout as /boot/initrd.img-<kernel>.us, for the negative control.
#
# usage: make-luks-disk.sh --root SYSROOT --out DIR [--layout XKB] [--size BYTES] [--control]
#          [--pbkdf-memory KiB] [--pbkdf-iterations N] [--pbkdf-parallel N] [--hostname NAME]
#   stdin: the passphrase on the first line, alice's password on the second (never argv).
#   Writes DIR/disk.img, DIR/grub.cfg (a copy of the disk's), DIR/facts (key=value lines) and the logs
#   of update-initramfs and GRUB.
#   Root; leaves no mount (a private mount namespace), loop device or key file behind.
set -euo pipefail

here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
if [ -z "${LK_LUKSDISK_NS:-}" ]; then
  # Everything mounted below lives in this namespace and goes with it, whatever happens.
  LK_LUKSDISK_NS=1 exec unshare -m --propagation private bash "$(readlink -f "${BASH_SOURCE[0]}")" "$@"
fi

root='' out='' layout=de size=$((2 * 1024 ** 3)) control=0 hostname=lk-luks
pbkdf_memory=262144 pbkdf_iterations=4 pbkdf_parallel=4
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$(readlink -f "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --layout) layout=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --control) control=1; shift ;;
    --pbkdf-memory) pbkdf_memory=$2; shift 2 ;;
    --pbkdf-iterations) pbkdf_iterations=$2; shift 2 ;;
    --pbkdf-parallel) pbkdf_parallel=$2; shift 2 ;;
    --hostname) hostname=$2; shift 2 ;;
    *) echo "make-luks-disk: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ! -d "$root/boot" ] || [ -z "$out" ]; then echo "usage: make-luks-disk.sh --root SYSROOT --out DIR ..." >&2; exit 2; fi
[ "$(id -u)" -eq 0 ] || { echo "make-luks-disk: needs root" >&2; exit 1; }
IFS= read -r passphrase || true
IFS= read -r password || true
if [ -z "$passphrase" ] || [ -z "$password" ]; then echo "make-luks-disk: the passphrase and the password come on stdin" >&2; exit 2; fi

say() { echo "make-luks-disk: $*" >&2; }
mkdir -p "$out"
out=$(readlink -f "$out")
work=$(mktemp -d /var/tmp/lk-luksdisk.XXXXXX)
loops=()
cleanup() {
  local i
  # Mounts first (newest first), then loop devices; the namespace drops any mount left anyway.
  if mountpoint -q "$work/t"; then umount -R "$work/t" || umount -R -l "$work/t" || true; fi
  for ((i = ${#loops[@]} - 1; i >= 0; i--)); do losetup -d "${loops[$i]}" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
umask 022 # what the target's files get; the work folder (mktemp: 0700) keeps the volume key private

# 1. The partition table, on the image file itself.
img=$out/disk.img
rm -f "$img"
truncate -s "$size" "$img"
sfdisk --quiet "$img" <<'EOF'
label: gpt
size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"
size=320MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="boot"
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
disk=$(losetup --find --show --partscan "$img")
loops+=("$disk")
partx -u "$disk" 2>/dev/null || partx -a "$disk" 2>/dev/null || true # no udev: make the partition nodes
for _ in $(seq 50); do [ -b "${disk}p3" ] && break; sleep 0.1; done
[ -b "${disk}p3" ] || { say "no partition nodes for $disk"; exit 1; }
esp=${disk}p1 boot=${disk}p2 luks=${disk}p3

# 2. The ESP (mkfs works without the vfat module; mtools writes it at the end) and /boot.
mkfs.vfat -F 32 -n EFI "$esp" >/dev/null
mkfs.ext4 -q -L boot "$boot"

# 3. The LUKS2 header, now, so the initramfs hook finds the container by its UUID. The volume key is
# ours (a file in the private work folder) so the data can be written without device-mapper.
luks_uuid=$(cat /proc/sys/kernel/random/uuid)
mapping=luks-$luks_uuid
(umask 077 && head -c 64 /dev/urandom >"$work/volume.key")
t0=$(date +%s%N)
printf '%s' "$passphrase" | cryptsetup luksFormat --batch-mode --type luks2 --uuid "$luks_uuid" \
  --cipher aes-xts-plain64 --key-size 512 --volume-key-file "$work/volume.key" \
  --pbkdf argon2id --pbkdf-memory "$pbkdf_memory" --pbkdf-parallel "$pbkdf_parallel" \
  --pbkdf-force-iterations "$pbkdf_iterations" --key-file=- "$luks"
format_ms=$((($(date +%s%N) - t0) / 1000000))
meta=$(cryptsetup luksDump --dump-json-metadata "$luks")
seg_offset=$(jq -r '.segments["0"].offset' <<<"$meta")
seg_sector=$(jq -r '.segments["0"].sector_size' <<<"$meta")
[ "$(jq -r '.segments["0"].encryption' <<<"$meta")" = aes-xts-plain64 ] || { say "unexpected cipher"; exit 1; }

# 4. The root filesystem, the size of the data segment, made on a staging disk and set up there. (A
# partition, not a whole loop device: grub-mkconfig's 10_linux skips a root on /dev/loopN.)
seg_bytes=$(($(blockdev --getsize64 "$luks") - seg_offset))
truncate -s $((seg_bytes + 2 * 1024 ** 2)) "$work/stage.img"
echo "start=2048, size=$((seg_bytes / 512))" | sfdisk --quiet "$work/stage.img"
stage=$(losetup --find --show --partscan "$work/stage.img")
loops+=("$stage")
partx -u "$stage" 2>/dev/null || partx -a "$stage" 2>/dev/null || true
for _ in $(seq 50); do [ -b "${stage}p1" ] && break; sleep 0.1; done
rootdev=${stage}p1
mkfs.ext4 -q -L root "$rootdev"
t=$work/t
mkdir -p "$t"
mount "$rootdev" "$t"
mkdir -p "$t/boot"
mount "$boot" "$t/boot"
say "copying $root"
rsync -aHAXS --numeric-ids "$root/" "$t/"
mkdir -p "$t/boot/efi"
# The ESP staged in a tmpfs whose source is the FAT device: grub-install finds it there and checks it.
mount -t tmpfs -o mode=0755 "$esp" "$t/boot/efi"

esp_uuid=$(blkid -s UUID -o value "$esp")
boot_uuid=$(blkid -s UUID -o value "$boot")
root_uuid=$(blkid -s UUID -o value "$rootdev")

# 5. What the installer writes into the target.
cat >"$t/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$root_uuid / ext4 errors=remount-ro 0 1
UUID=$boot_uuid /boot ext4 defaults 0 2
UUID=$esp_uuid /boot/efi vfat umask=0077 0 1
EOF
cat >"$t/etc/crypttab" <<EOF
# <target name> <source device> <key file> <options>
$mapping UUID=$luks_uuid none luks,discard,initramfs
EOF
cat >"$t/etc/default/keyboard" <<EOF
XKBMODEL="pc105"
XKBLAYOUT="$layout"
XKBVARIANT=""
XKBOPTIONS=""
BACKSPACE="guess"
EOF
echo "$hostname" >"$t/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$hostname" >"$t/etc/hosts"

# 6. In the target: the user, the console cache, the initramfs and GRUB.
mount -t proc proc "$t/proc"
mount -t sysfs sysfs "$t/sys"
# A private /dev: the host's nodes, plus the by-uuid links udev would make (grub-mkconfig writes
# root=UUID=... only when /dev/disk/by-uuid has the root's), without touching the host's /dev.
mount -t tmpfs -o mode=0755 tmpfs "$t/dev"
cp -a /dev/. "$t/dev/" 2>/dev/null || true
mkdir -p "$t/dev/disk/by-uuid"
for dev in "$rootdev" "$boot" "$esp" "$luks"; do ln -sf "$dev" "$t/dev/disk/by-uuid/$(blkid -s UUID -o value "$dev")"; done
mount -t tmpfs tmpfs "$t/run"
in_target() { chroot "$t" env PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
in_target useradd -m -s /bin/bash -G sudo -c 'Alice Liddell' alice
printf 'alice:%s\n' "$password" | in_target chpasswd
# console-setup's cache (/etc/console-setup/cached_*, made when the sysroot was built, with the US map)
# wins over /etc/default/keyboard whenever it is the newer file, in setupcon --save-only and in the
# initramfs hook alike (a clock behind the build's is enough): made anew from the layout instead.
rm -f "$t"/etc/console-setup/cached_*
in_target setupcon --save-only 2>/dev/null # (ckbcomp warns about keysyms the console lacks)
kver=$(find "$t/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n1)
t1=$(date +%s%N)
# Its output (kept as DIR/initramfs.log) has the hook's complaints about the missing device-mapper.
in_target update-initramfs -c -k all >"$out/initramfs.log" 2>&1 || { cat "$out/initramfs.log" >&2; exit 1; }
initramfs_ms=$((($(date +%s%N) - t1) / 1000000))
if [ "$control" = 1 ]; then
  # The negative control: the same initramfs with the US layout. (A keymap-less one cannot be made
  # while cryptsetup-initramfs is installed: its conf-hook sets KEYMAP=y after every conf.d file.)
  cp -p "$t/etc/default/keyboard" "$work/keyboard"
  sed -i 's/^XKBLAYOUT=.*/XKBLAYOUT="us"/' "$t/etc/default/keyboard"
  in_target mkinitramfs -o "/boot/initrd.img-$kver.us" "$kver" >/dev/null 2>&1
  cp "$work/keyboard" "$t/etc/default/keyboard"
fi
in_target grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=LiveKit --removable --no-nvram \
  >"$out/grub.log" 2>&1 || { cat "$out/grub.log" >&2; exit 1; }
in_target grub-mkconfig -o /boot/grub/grub.cfg >>"$out/grub.log" 2>&1 || { cat "$out/grub.log" >&2; exit 1; }
cp "$t/boot/grub/grub.cfg" "$out/grub.cfg"
umount -R "$t/dev" "$t/proc" "$t/sys" "$t/run"

# 7. The ESP's files written into the FAT with mtools; the filesystems checked, then the root encrypted.
(cd "$t/boot/efi" && MTOOLS_SKIP_CHECK=1 mcopy -s -o -i "$esp" ./* ::/ 2>/dev/null)
umount "$t/boot/efi" "$t/boot" "$t"
e2fsck -f -n "$boot" >/dev/null 2>&1 || { say "/boot does not check clean"; exit 1; }
e2fsck -f -n "$rootdev" >/dev/null 2>&1 || { say "the root filesystem does not check clean"; exit 1; }
say "encrypting the root filesystem into $luks (offset $seg_offset, $seg_sector-byte sectors)"
node "$here/xts-encrypt.mjs" "$work/volume.key" "$rootdev" "$seg_bytes" "$luks" "$seg_offset" "$seg_sector"
losetup -d "$stage"
loops=("$disk")
rm -f "$work/volume.key" "$work/stage.img"
t2=$(date +%s%N)
printf '%s' "$passphrase" | cryptsetup open --test-passphrase --key-file=- "$luks"
host_unlock_ms=$((($(date +%s%N) - t2) / 1000000))
slot=$(cryptsetup luksDump --dump-json-metadata "$luks" | jq -c '.keyslots["0"].kdf')

cat >"$out/facts" <<EOF
luks_uuid=$luks_uuid
mapping=$mapping
root_uuid=$root_uuid
boot_uuid=$boot_uuid
esp_uuid=$esp_uuid
kernel=$kver
layout=$layout
kdf=$slot
format_ms=$format_ms
initramfs_ms=$initramfs_ms
host_unlock_ms=$host_unlock_ms
EOF
say "done: $img"
