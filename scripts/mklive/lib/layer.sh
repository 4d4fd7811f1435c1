# shellcheck shell=bash
# Building one layer: an overlay over the packed layers beneath it, a chroot-ready root, the
# recipe's install step, cleaning, and the upper dir packed.

# The overlay settings a layer is built with. The boot module mounts with the same redirect_dir
# choice: a renamed directory is stored as a redirect and only works when redirects are followed.
# index and metacopy stay off, or the upper dir is unusable as a lower layer elsewhere.
OVL_BUILD_OPTS="index=off,metacopy=off,redirect_dir=on"

# Where a packed layer is mounted during the build (short paths keep overlay options small).
layer_dir() { printf '%s/l/%s' "$WORK" "$1"; }

layer_image() {
  if [ "$1" = base ]; then printf '%s/livekit/base.%s' "$OUT" "$FSTYPE"
  else printf '%s/livekit/layers/%s.%s' "$OUT" "$1" "$FSTYPE"; fi
}
template_image() { printf '%s/livekit/templates/%s.%s' "$OUT" "$1" "$FSTYPE"; }

# Mounts a packed layer once, read-only, for use as a lower dir.
ensure_layer_mounted() {
  local d
  d=$(layer_dir "$1")
  mountpoint -q "$d" 2>/dev/null && return 0
  [ -f "$(layer_image "$1")" ] || die "layer $1 is not built: $(layer_image "$1") missing"
  mount_image "$(layer_image "$1")" "$d"
}

# lowerdir= value for a stack given bottom first (overlay wants the top first). Pure: the layers
# must be mounted already (mount in the calling shell, not in a $(...) subshell, so cleanups register).
lowerdir_of() {
  local out="" l
  for l in "$@"; do out="$(layer_dir "$l")${out:+:$out}"; done
  printf '%s' "$out"
}
ensure_layers_mounted() {
  local l
  for l in "$@"; do ensure_layer_mounted "$l"; done
}

# overlay_rw <merged> <upper> <work> <stack bottom first...>
overlay_rw() {
  local merged=$1 upper=$2 workdir=$3
  shift 3
  local lower
  ensure_layers_mounted "$@"
  lower=$(lowerdir_of "$@")
  mkdir -p "$merged" "$upper" "$workdir"
  mount_tracked "$merged" -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$workdir,$OVL_BUILD_OPTS"
}

# overlay_ro <merged> <stack bottom first...>: a composed sysroot, for measuring and packing.
overlay_ro() {
  local merged=$1
  shift
  mkdir -p "$merged"
  if [ "$#" -eq 1 ]; then
    ensure_layer_mounted "$1"
    mount_tracked "$merged" --bind -o ro "$(layer_dir "$1")"
  else
    ensure_layers_mounted "$@"
    mount_tracked "$merged" -t overlay overlay -o "ro,lowerdir=$(lowerdir_of "$@"),index=off,metacopy=off,redirect_dir=follow"
  fi
}

# /dev, /proc and /sys inside the root for package scripts. Returns how many mounts it made.
chroot_mounts() {
  local root=$1
  mkdir -p "$root/dev" "$root/proc" "$root/sys"
  mount_tracked "$root/dev" --bind /dev
  mount_tracked "$root/proc" -t proc proc
  mount_tracked "$root/sys" --bind -o ro /sys
}
chroot_unmounts() { undo_last; undo_last; undo_last; }

# Services must not start while packages are installed (Debian's invoke-rc.d asks policy-rc.d).
services_off() {
  [ -d "$1/usr/sbin" ] || return 0
  printf '#!/bin/sh\n# mklive: no services while building\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod 755 "$1/usr/sbin/policy-rc.d"
}
services_on() { rm -f "$1/usr/sbin/policy-rc.d"; }

# Common cleaning: caches, logs, per-machine identity, temp files. Touches only what exists, so a
# layer does not copy up files it did not change.
clean_root() {
  local r=$1
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
    "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old "$r"/root/.bash_history \
    "$r"/etc/ssh/ssh_host_* 2>/dev/null || true
  if [ -d "$r/var/log" ]; then find "$r/var/log" -type f -delete; fi
  if [ -d "$r/tmp" ]; then find "$r/tmp" -mindepth 1 -delete; fi
  if [ -d "$r/var/tmp" ]; then find "$r/var/tmp" -mindepth 1 -delete; fi
  if [ -e "$r/etc/machine-id" ] && [ "$(cat "$r/etc/machine-id")" != uninitialized ]; then
    printf 'uninitialized\n' >"$r/etc/machine-id"
  fi
  if [ -f "$r/var/lib/dbus/machine-id" ] && [ ! -L "$r/var/lib/dbus/machine-id" ]; then rm -f "$r/var/lib/dbus/machine-id"; fi
}

# Runs the recipe's step inside a root prepared for chroot, then cleans it.
prepare_and_run() {
  local root=$1
  shift
  chroot_mounts "$root"
  services_off "$root"
  "$@"
  services_on "$root"
  chroot_unmounts
  if declare -F recipe_clean >/dev/null; then recipe_clean "$root"; fi
  clean_root "$root"
}

install_layer_step() {
  local root=$1 name=$2 k
  k=$(key_of "$name")
  local pkgs=()
  mapfile -t pkgs < <(layer_packages "$name")
  if [ "${#pkgs[@]}" -gt 0 ]; then recipe_install "$root" "${pkgs[@]}"; fi
  if declare -F "layer_hook_$k" >/dev/null; then "layer_hook_$k" "$root"; fi
  if installer_wanted "$name"; then installer_install "$root"; fi
}

# The base's step after bootstrapping: its packages, then its hook (like a layer's).
install_base_step() {
  local root=$1
  if [ "${#BASE_PACKAGES[@]}" -gt 0 ]; then recipe_install "$root" "${BASE_PACKAGES[@]}"; fi
  if declare -F layer_hook_base >/dev/null; then layer_hook_base "$root"; fi
}

build_base() {
  local root="$WORK/u/base"
  rm -rf "$root"
  mkdir -p "$root"
  recipe_bootstrap "$root"
  prepare_and_run "$root" install_base_step "$root"
  pack_dir "$root" "$(layer_image base)"
  rm -rf "$root"
}

# build_over <kind: layer|template> <name> <image> <stack bottom first...>
build_over() {
  local kind=$1 name=$2 image=$3
  shift 3
  local tag="${kind:0:1}-$name"
  local merged="$WORK/m/$tag" upper="$WORK/u/$tag" workdir="$WORK/w/$tag"
  rm -rf "$upper" "$workdir"
  overlay_rw "$merged" "$upper" "$workdir" "$@"
  if [ "$kind" = layer ]; then
    prepare_and_run "$merged" install_layer_step "$merged" "$name"
  else
    prepare_and_run "$merged" "template_$(key_of "$name")" "$merged"
  fi
  undo_last # the overlay
  mkdir -p "$(dirname "$image")"
  pack_dir "$upper" "$image"
  rm -rf "$upper" "$workdir"
}
