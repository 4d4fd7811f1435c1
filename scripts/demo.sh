#!/usr/bin/env bash
# The README's run command until the graphical installer takes over: builds a tiny demo medium,
# composes its sysroots the way the boot module does, and installs one into a disk image with the
# real engine (`livekit install`), progress on the terminal. Then shows what is on the image.
#
# Medium: the build module's `tiny` target (busybox plus the host's shadow tools for the account).
# Environment: LIVEKIT_DEMO_DIR (work dir, default /var/tmp/livekit-demo), LIVEKIT_DEMO_FS (ext4|xfs|btrfs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (loop devices, mounts, chroot)" >&2; exit 1; }
work=${LIVEKIT_DEMO_DIR:-/var/tmp/livekit-demo}
fs=${LIVEKIT_DEMO_FS:-ext4}
mkdir -p "$work"
run=$(mktemp -d /tmp/lk-demo-run.XXXXXX)
loop=""
mnt=""
cleanup() {
  if [ -n "$mnt" ] && mountpoint -q "$mnt"; then umount "$mnt"; fi
  [ -n "$mnt" ] && rmdir "$mnt" 2>/dev/null
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  bash "$root/scripts/compose-sysroots.sh" umount "$run"
  rm -rf "$run"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

disk=$work/disk.img
answers=$work/answers.yaml
cmdline=$work/cmdline
printf 'BOOT_IMAGE=/vmlinuz root=livekit:CDLABEL=LIVEKIT livekit.boot=livekit LANG=%s\n' "${LANG:-en_US.UTF-8}" >"$cmdline"
rm -f "$disk"
truncate -s 2G "$disk"

write_answers() { # variant
  cat >"$answers" <<EOF
version: 1
variant: $1
target:
  disk: $disk
  layout: auto
  filesystem: $fs
  swap: none
hostname: livekit-demo
timezone: Asia/Shanghai
user:
  name: demo
  fullname: LiveKit Demo
  password: "demo"
bootloader: none
EOF
}

livekit() { "$root/bin/livekit" "$@"; }
common() { printf '%s\n' --medium "$medium" --sysroots "$run/sysroots" --cmdline-file "$cmdline"; }

say "Building the tiny medium (scripts/mklive, recipe tiny)"
if ! scripts/mklive/mklive build --recipe tiny --out "$work/tiny" --separate estimate >"$work/mklive.log" 2>&1; then
  cat "$work/mklive.log" >&2
  exit 1
fi
tail -n 3 "$work/mklive.log"
medium=$work/tiny variant=desktop
bash scripts/compose-sysroots.sh mount "$medium" "$run"
write_answers "$variant"
mapfile -t opts < <(common)

say "Sysroots on the medium (livekit sysroots)"
livekit sysroots "${opts[@]}"

say "The plan (livekit plan): nothing written yet"
livekit plan --config "$answers" "${opts[@]}"

say "Installing $variant into $disk ($fs)"
start=$(date +%s.%N)
livekit install --yes --config "$answers" --log "$work/install.log" "${opts[@]}"
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")

say "What is on the disk image now"
sfdisk -l "$disk"
loop=$(losetup --find --show --partscan --read-only "$disk")
partx -u "$loop" 2>/dev/null || partx -a "$loop" 2>/dev/null || true
rootpart=$(sfdisk --json "$loop" | grep -o '"node": *"[^"]*"' | tail -n1 | sed 's/.*"\(\/dev[^"]*\)"/\1/')
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b "$rootpart" ] && break; sleep 0.2; done
mnt=$(mktemp -d /tmp/lk-demo-mnt.XXXXXX)
opt=ro
[ "$fs" = btrfs ] && opt=ro,subvol=@
[ "$fs" = xfs ] && opt=ro,norecovery
mount -o "$opt" "$rootpart" "$mnt"
echo "root filesystem: $(blkid -o value -s TYPE "$rootpart") UUID=$(blkid -o value -s UUID "$rootpart")"
echo "/etc/os-release: $(grep PRETTY_NAME "$mnt/etc/os-release" || true)"
echo "/etc/hostname:   $(cat "$mnt/etc/hostname")"
echo "/etc/fstab:"
grep -v '^#' "$mnt/etc/fstab" | sed 's/^/  /'
echo "user:            $(grep '^demo:' "$mnt/etc/passwd")"
echo "installer log:   $(wc -l <"$mnt/var/log/livekit-installer.log") events in /var/log/livekit-installer.log"
echo "files:           $(find "$mnt" -xdev | wc -l)"
say "Done in ${secs}s: $disk holds an installed $variant; engine log $work/install.log"
