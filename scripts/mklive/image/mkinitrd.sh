#!/usr/bin/env bash
# Builds an initramfs with the LiveKit boot module (scripts/dracut/90livekit) from the Debian
# boot kit (bootkit.sh), never from the host's /boot or dracut config.
#
# usage: mkinitrd.sh --out FILE [--systemd | --shell] [--report] [--crypt] [--module DIR] [--kernel-out FILE]
#   --systemd   (default) systemd in the initramfs
#   --shell     dracut's shell init: the systemd dracut modules are omitted
#   --report    add the test-only 99livekit-report module (see its module-setup.sh)
#   --crypt     add dracut's crypt module: cryptsetup, dm-crypt and the kernel's crypto modules, so the
#               image unlocks an installed LUKS root (rd.luks.uuid=) and, with rd.driver.pre=, gives a
#               Live root without /lib/modules the device-mapper an encrypted install needs
#   --kernel-out FILE   also copy the matching kernel there
# The build runs in a private mount namespace over a throw-away overlay of the boot kit, so the
# cached kit stays pristine and concurrent builds do not interfere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

out='' flavour=systemd report=0 crypt=0 kernel_out=''
module="$here/../../dracut/90livekit"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --systemd) flavour=systemd; shift ;;
    --shell) flavour=shell; shift ;;
    --report) report=1; shift ;;
    --crypt) crypt=1; shift ;;
    --module) module=$2; shift 2 ;;
    --kernel-out) kernel_out=$2; shift 2 ;;
    *) echo "mkinitrd: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "mkinitrd: --out FILE is required" >&2; exit 2; }
[ -f "$module/module-setup.sh" ] || { echo "mkinitrd: no dracut module at $module" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "mkinitrd: needs root" >&2; exit 1; }

kit=$(bash "$here/bootkit.sh")
kernel=$(bash "$here/bootkit.sh" --print-kernel)
kver=${kernel##*/vmlinuz-}

add=(livekit)
omit=(plymouth network network-legacy network-manager nfs iscsi nbd fcoe multipath lvm mdraid dmraid crypt btrfs overlay-root)
if [ "$flavour" = shell ]; then
  omit+=(systemd systemd-initrd dracut-systemd systemd-udevd systemd-journald systemd-sysusers
    systemd-tmpfiles systemd-modules-load systemd-sysctl systemd-ask-password)
fi
[ "$report" = 0 ] || add+=(livekit-report)
if [ "$crypt" = 1 ]; then
  add+=(crypt)
  kept=()
  for m in "${omit[@]}"; do [ "$m" = crypt ] || kept+=("$m"); done
  omit=("${kept[@]}")
fi

work=$(mktemp -d /tmp/livekit-mkinitrd.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
mkdir -p "$work/upper" "$work/work" "$work/root" "$work/out"
start=$(date +%s%N)
# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare -m --propagation private bash -euo pipefail -c '
  kit=$1 work=$2 module=$3 report_module=$4 kver=$5 add=$6 omit=$7
  r=$work/root
  mount -t overlay overlay -o "lowerdir=$kit,upperdir=$work/upper,workdir=$work/work" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount -t tmpfs tmpfs "$r/tmp"
  mkdir -p "$r/tmp/out"
  mount --bind "$work/out" "$r/tmp/out"
  mods=$r/usr/lib/dracut/modules.d
  rm -rf "$mods/90livekit" "$mods/99livekit-report"
  cp -r "$module" "$mods/90livekit"
  [ "$report_module" = - ] || cp -r "$report_module" "$mods/99livekit-report"
  # --no-hostonly: a medium boots any machine; --no-hostonly-cmdline: no host root= baked in.
  chroot "$r" dracut --no-hostonly --no-hostonly-cmdline --force --kver "$kver" \
    --add "$add" --omit "$omit" --no-early-microcode /tmp/out/initrd.img
' mkinitrd "$kit" "$work" "$module" "$([ "$report" = 1 ] && echo "$here/99livekit-report" || echo -)" \
  "$kver" "${add[*]}" "${omit[*]}" >"$work/dracut.log" 2>&1 || { tail -n 40 "$work/dracut.log" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
cp "$work/out/initrd.img" "$out"
[ -z "$kernel_out" ] || cp "$kernel" "$kernel_out"
ms=$((($(date +%s%N) - start) / 1000000))
echo "mkinitrd: $flavour initramfs for $kver in $((ms / 1000)).$((ms % 1000 / 100)) s: $out ($(stat -c %s "$out") bytes)" >&2
