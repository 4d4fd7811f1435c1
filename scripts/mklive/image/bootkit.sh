#!/usr/bin/env bash
# Builds (once) and prints the path of the "boot kit": a Debian 12 minbase chroot with the Debian
# kernel, dracut-core and systemd, used to build initramfs images for tests and media without
# touching the host's /boot. Cached under $LIVEKIT_CACHE/bootkit/<hash of the recipe> by cache_build
# (scripts/lib/cache-build.sh): built once under a lock, published only when complete.
#
# usage: bootkit.sh [--print-kernel | --print-root]   (default: print the chroot path)
#        (--build-into TMP is cache_build's own call)
set -euo pipefail

CACHE=${LIVEKIT_CACHE:-/var/cache/livekit}
MIRROR=${LIVEKIT_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# First step: debootstrap; second step: these (REFERENCES.md: not both in one debootstrap call).
# cryptsetup-bin: dracut's crypt module needs it for the test initramfs that unlocks installed disks.
PACKAGES=(linux-image-amd64 dracut-core systemd kmod udev busybox-static bash-builtins cryptsetup-bin)
# Bump when the steps below change in a way that alters the result.
RECIPE_VERSION=1

recipe="v=$RECIPE_VERSION mirror=$MIRROR suite=$SUITE packages=${PACKAGES[*]}"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
dir="$CACHE/bootkit/$key"
root="$dir/root"

say() { echo "bootkit: $*" >&2; }

# shellcheck source=scripts/lib/cache-build.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../lib/cache-build.sh"

kernel_of() { find "$1/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n1; }

print_result() {
  case "${1:-}" in
    --print-kernel) kernel_of "$root" ;;
    *) echo "$root" ;;
  esac
}

case "${1:-}" in
  --print-kernel | --print-root | '' | --build-into) ;;
  *) say "unknown option: $1"; exit 2 ;;
esac

# build_into TMP: the kit's build, run by cache_build in a fresh folder that becomes $dir.
build_into() {
  local tmp=$1 start
  start=$(date +%s)
  say "building $dir ($recipe)"
  debootstrap --variant=minbase "$SUITE" "$tmp/root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -n 20 "$tmp/debootstrap.log" >&2; return 1; }

  # The kernel pulls initramfs-tools (dracut-core does not provide linux-initramfs-tool); divert its
  # update-initramfs so installing the kernel does not spend a minute on an image we never use.
  chroot "$tmp/root" dpkg-divert --local --rename --add /usr/sbin/update-initramfs >/dev/null
  ln -s /bin/true "$tmp/root/usr/sbin/update-initramfs"

  # apt inside the chroot needs /proc and /dev; a private mount namespace drops them on exit.
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  unshare -m --propagation private bash -euo pipefail -c '
    r=$1; shift
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get install -y -q --no-install-recommends "$@"
    chroot "$r" apt-get clean
  ' bootkit "$tmp/root" "${PACKAGES[@]}" >"$tmp/apt.log" 2>&1 || { tail -n 30 "$tmp/apt.log" >&2; return 1; }

  [ -n "$(kernel_of "$tmp/root")" ] || { say "no kernel in the chroot"; return 1; }
  echo "$recipe" >"$tmp/recipe"
  echo "$(($(date +%s) - start))" >"$tmp/build-seconds"
  say "built in $(cat "$tmp/build-seconds") s"
}

if [ "${1:-}" = --build-into ]; then build_into "$2"; exit 0; fi # cache_build's call, below

if ! cache_ready "$dir"; then
  [ "$(id -u)" -eq 0 ] || { say "needs root to build $dir"; exit 1; }
  cache_build "$dir" bash "$(readlink -f "${BASH_SOURCE[0]}")" --build-into
fi
print_result "${1:-}"
