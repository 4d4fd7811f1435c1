#!/usr/bin/env bash
# Copies into DIR the host's programs, with their libraries, that a Debian install needs in the Live root
# beyond the tiny medium's own (luks-install.ts runs the installer in the tiny Live session, whose busybox
# root carries only what tiny's ext4 installs use): FAT for the ESP, btrfs, swap files, and bash with the
# few coreutils compose-sysroots.sh uses. The guest copies DIR over its writable Live root.
# usage: luks-install-tools.sh DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
root=$1
MKLIVE_DIR=$(cd "$(dirname "$0")/../../scripts/mklive" && pwd)
# shellcheck source=../../scripts/mklive/lib/host-accounts.sh
source "$MKLIVE_DIR/lib/host-accounts.sh"

tools=(/usr/sbin/mkfs.fat /usr/sbin/mkfs.vfat /usr/sbin/fsck.fat /usr/sbin/fsck.vfat
  /usr/sbin/mkfs.btrfs /usr/bin/btrfs /usr/bin/fallocate /usr/sbin/mkswap /usr/bin/chmod
  /usr/bin/bash /usr/bin/tac /usr/bin/mountpoint /usr/bin/dirname /usr/bin/date)
mkdir -p "$root"
host_tools_install "$root" "${tools[@]}"
# The Live root links /lib and /lib64 to usr/ (Debian's shape): libraries go there, not over the links.
for d in lib lib64; do
  if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
    mkdir -p "$root/usr/$d"
    cp -a "$root/$d/." "$root/usr/$d/"
    rm -rf "${root:?}/$d"
  fi
done
