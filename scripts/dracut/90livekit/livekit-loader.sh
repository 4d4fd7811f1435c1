#!/bin/bash
# LiveKit loader: composes the Live root from a LiveKit medium (see scripts/mklive/README.md).
#
#   in the initramfs (queued by the udev rule):  livekit-loader <medium device>
#   on a host, for tests:  livekit-loader.sh --medium DIR --newroot DIR [--run DIR] [--cmdline '...']
#     --medium   the medium's root directory (holding livekit/), bind-mounted read-only
#     --run      replaces /run/livekit;  --cmdline replaces the kernel command line
#
# Result: tmpfs at $RUN; the medium at $RUN/medium; base and layers read-only at $RUN/layers/<layer>;
# every sysroot read-only at $RUN/sysroots/<name>; the chosen sysroot (+ its Live template) under a
# writable overlay (upper and work on the tmpfs) at $NEWROOT; $RUN/boot-target names it.
# Any failure says what on the console ("LiveKit: ...") and, in the initramfs, calls dracut's die.
HOST_MODE=0
MEDIUM_SRC='' DEVICE='' CMDLINE='' RUN=/run/livekit
NEWROOT=${NEWROOT:-/sysroot}

if [ "${1:-}" = --medium ] || [ "${1:-}" = --newroot ] || [ "${1:-}" = --run ] || [ "${1:-}" = --cmdline ]; then
  HOST_MODE=1
  set -u # not in the initramfs: dracut-lib.sh is not written for it
  while [ "$#" -gt 0 ]; do
    [ "$#" -ge 2 ] || { echo "LiveKit: option $1 needs a value" >&2; exit 2; }
    case $1 in
      --medium) MEDIUM_SRC=$2 ;;
      --newroot) NEWROOT=$2 ;;
      --run) RUN=$2 ;;
      --cmdline) CMDLINE=$2 ;;
      *) echo "LiveKit: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
  done
  [ -d "$MEDIUM_SRC" ] || { echo "LiveKit: --medium DIR is required and must be a directory" >&2; exit 2; }
  [ -d "$NEWROOT" ] || { echo "LiveKit: --newroot DIR is required and must be a directory" >&2; exit 2; }
else
  DEVICE=${1:-}
  # shellcheck source=/dev/null
  . /lib/dracut-lib.sh
fi

fail() {
  echo "LiveKit: $*" >&2
  # dracut's die puts the message on the kernel console (kmsg) and takes the emergency path. It also
  # writes the message inside double quotes into a hook script: keep quotes, `$` and backslashes out.
  local msg="LiveKit: $*"
  msg=${msg//[\`\"\$\\]/}
  if [ "$HOST_MODE" = 0 ]; then die "$msg"; fi
  exit 1
}
say() {
  echo "LiveKit: $*" >&2
  if [ "$HOST_MODE" = 0 ]; then echo "<29>LiveKit: $*" >/dev/kmsg 2>/dev/null; fi
  return 0
}

# arg NAME: prints the value of NAME= (empty for a bare flag); fails when absent. Last one wins.
arg() {
  if [ "$HOST_MODE" = 0 ]; then getarg "$1"; return; fi
  local w found=1 value=''
  for w in $CMDLINE; do
    case $w in
      "$1") found=0 value='' ;;
      "$1"=*) found=0 value=${w#*=} ;;
    esac
  done
  [ "$found" = 0 ] && printf '%s' "$value"
}
flag() {
  local v
  v=$(arg "$1") || return 1
  case $v in 0 | no | off | false) return 1 ;; esac
  return 0
}

# valid_name, key_of, array_lines: the same rules the build writes the config with.
if [ "$HOST_MODE" = 1 ]; then names_lib=$(dirname "$(readlink -f "$0")")/livekit-names.sh; else names_lib=/lib/livekit-names.sh; fi
# shellcheck source=livekit-names.sh
. "$names_lib"

setup_run() {
  local size
  size=$(arg livekit.tmpfs-size) || size=50%
  [[ $size =~ ^[0-9]+[kKmMgG%]?$ ]] || fail "livekit.tmpfs-size=$size is not a size (examples: 4G, 60%)"
  mkdir -p "$RUN" || fail "cannot create $RUN"
  mount -t tmpfs -o "mode=0755,size=$size" livekit "$RUN" || fail "cannot mount the tmpfs at $RUN (size $size)"
  mkdir -p "$RUN/medium" "$RUN/layers" "$RUN/sysroots" "$RUN/templates" "$RUN/live/upper" "$RUN/live/work"
}

mount_medium() {
  if [ "$HOST_MODE" = 1 ]; then
    { mount --bind "$MEDIUM_SRC" "$RUN/medium" && mount -o remount,bind,ro "$RUN/medium"; } ||
      fail "cannot bind the medium directory $MEDIUM_SRC"
  else
    [ -b "$DEVICE" ] || fail "medium device $DEVICE is not a block device"
    mount -o ro "$DEVICE" "$RUN/medium" || fail "cannot mount the medium $DEVICE"
  fi
  MEDIUM="$RUN/medium/livekit"
}

load_config() {
  local conf="$MEDIUM/livekit.conf" err s d k deps
  [ -f "$conf" ] || fail "config missing: livekit/livekit.conf is not on the medium"
  err=$(bash -n "$conf" 2>&1) || fail "config malformed: livekit/livekit.conf has a syntax error: ${err##*: }"
  # The medium is trusted at boot: source it, then check what it must define.
  # shellcheck source=/dev/null
  . "$conf" || fail "config malformed: livekit/livekit.conf failed to load"
  FSTYPE=${FSTYPE:-squashfs}
  [[ $FSTYPE == squashfs || $FSTYPE == erofs ]] || fail "config malformed: FSTYPE=\"$FSTYPE\" (want squashfs or erofs)"
  array_lines LAYERS >/dev/null || fail "config malformed: LAYERS is missing or not an array"
  array_lines SYSROOT_LAYERS >/dev/null || fail "config malformed: SYSROOT_LAYERS is missing or not an array"
  [ "${#SYSROOT_LAYERS[@]}" -gt 0 ] || fail "config malformed: SYSROOT_LAYERS is empty"
  for s in "${LAYERS[@]}" "${SYSROOT_LAYERS[@]}"; do
    valid_name "$s" || fail "config malformed: bad name \"$s\""
  done
  for s in "${SYSROOT_LAYERS[@]}"; do
    k=$(key_of "$s")
    deps=$(array_lines "SYSROOT_DEP_$k") || fail "config malformed: SYSROOT_DEP_$k is missing or not an array (sysroot $s)"
    [ -n "$deps" ] || fail "config malformed: SYSROOT_DEP_$k is empty (sysroot $s)"
    while read -r d; do
      [ "$d" = base ] || [[ " ${LAYERS[*]} " == *" $d "* ]] ||
        fail "config malformed: SYSROOT_DEP_$k names \"$d\", which is not in LAYERS"
    done <<<"$deps"
  done
}

layer_file() { if [ "$1" = base ]; then printf 'base.%s' "$FSTYPE"; else printf 'layers/%s.%s' "$1" "$FSTYPE"; fi; }

# The template file of a sysroot, relative to livekit/, or nothing.
template_file() {
  local v
  v="TEMPLATE_$(key_of "$1")"
  if [ -n "${!v:-}" ]; then printf 'templates/%s' "${!v}"
  elif [ -f "$MEDIUM/templates/$1.$FSTYPE" ]; then printf 'templates/%s.%s' "$1" "$FSTYPE"; fi
}

# With livekit.ram: copies the images into the tmpfs (after checking memory) and mounts them from there.
copy_to_ram() {
  local files=("$@") f need=0 avail_mem avail_tmpfs
  for f in "${files[@]}"; do need=$((need + $(stat -c %s "$MEDIUM/$f"))); done
  avail_mem=$(($(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) * 1024))
  avail_tmpfs=$(($(stat -f -c '%a * %S' "$RUN")))
  [ "$need" -lt "${avail_mem:-0}" ] ||
    fail "livekit.ram: the medium's images need $((need / 1048576)) MiB but only $((avail_mem / 1048576)) MiB of memory is available"
  [ "$need" -lt "$avail_tmpfs" ] ||
    fail "livekit.ram: the images need $((need / 1024)) KiB but the tmpfs has $((avail_tmpfs / 1024)) KiB free (raise livekit.tmpfs-size=)"
  say "livekit.ram: copying $((need / 1048576)) MiB into memory"
  for f in "${files[@]}"; do
    mkdir -p "$RUN/ram/$(dirname "$f")"
    cp "$MEDIUM/$f" "$RUN/ram/$f" || fail "livekit.ram: cannot copy $f into memory"
  done
  IMAGES="$RUN/ram"
}

mount_image() {
  mkdir -p "$2"
  mount -t "$FSTYPE" -o ro,loop "$IMAGES/$1" "$2" || fail "cannot mount $1 (is it a $FSTYPE image?)"
}

mount_layers() {
  local l f needed=()
  for l in base "${LAYERS[@]}"; do
    [ "$l" = base ] && [ "${#needed[@]}" -gt 0 ] && continue # AOSC media may list base in LAYERS
    f=$(layer_file "$l")
    [ -f "$MEDIUM/$f" ] || fail "layer file missing: livekit/$f (layer $l)"
    needed+=("$f")
  done
  if [ -n "$TEMPLATE" ]; then
    [ -f "$MEDIUM/$TEMPLATE" ] || fail "template file missing: livekit/$TEMPLATE (sysroot $TARGET)"
    needed+=("$TEMPLATE")
  fi
  IMAGES=$MEDIUM
  if flag livekit.ram; then copy_to_ram "${needed[@]}"; fi
  mount_image "$(layer_file base)" "$RUN/layers/base"
  for l in "${LAYERS[@]}"; do
    [ "$l" = base ] || mount_image "$(layer_file "$l")" "$RUN/layers/$l"
  done
  if [ -n "$TEMPLATE" ]; then mount_image "$TEMPLATE" "$RUN/templates/$TARGET"; fi
}

# overlay <target> <extra options> <lower dirs relative to $RUN, top first...>
# Paths are absolute when the options fit a page (4096 bytes, the legacy mount(2) limit with
# util-linux < 2.39), else relative to $RUN, mounted from there.
overlay() {
  local target=$1 extra=$2
  shift 2
  local abs='' rel='' d
  for d in "$@"; do abs+="${abs:+:}$RUN/$d"; rel+="${rel:+:}$d"; done
  local opts="lowerdir=$abs,$extra"
  if [ "${#opts}" -lt 3800 ]; then
    mount -t overlay livekit -o "$opts" "$target"
  else
    (cd "$RUN" && mount -t overlay livekit -o "lowerdir=$rel,${extra//$RUN\//}" "$target")
  fi
}

# Lower dirs of a sysroot, top first, relative to $RUN.
stack_of() {
  local name i
  name="SYSROOT_DEP_$(key_of "$1")"
  local -n _deps=$name
  for ((i = ${#_deps[@]} - 1; i >= 0; i--)); do printf 'layers/%s\n' "${_deps[$i]}"; done
}

mount_sysroots() {
  local s dirs=()
  for s in "${SYSROOT_LAYERS[@]}"; do
    mkdir -p "$RUN/sysroots/$s"
    mapfile -t dirs < <(stack_of "$s")
    if [ "${#dirs[@]}" -eq 1 ]; then
      # overlayfs wants two lower dirs without an upper: a single layer is a read-only bind.
      { mount --bind "$RUN/${dirs[0]}" "$RUN/sysroots/$s" && mount -o remount,bind,ro "$RUN/sysroots/$s"; } ||
        fail "cannot mount sysroot $s"
    else
      overlay "$RUN/sysroots/$s" "ro,redirect_dir=follow,index=off,metacopy=off" "${dirs[@]}" ||
        fail "cannot compose sysroot $s from ${dirs[*]}"
    fi
  done
}

pick_target() {
  local how
  if TARGET=$(arg livekit.boot) && [ -n "$TARGET" ]; then how="livekit.boot=$TARGET"
  elif [ -n "${DEFAULT_BOOT_TARGET:-}" ]; then TARGET=$DEFAULT_BOOT_TARGET how="DEFAULT_BOOT_TARGET=$TARGET"
  else TARGET=livekit how="the default sysroot livekit"; fi
  [[ " ${SYSROOT_LAYERS[*]} " == *" $TARGET "* ]] ||
    fail "unknown sysroot: $how is not on this medium (sysroots: ${SYSROOT_LAYERS[*]})"
  TEMPLATE=$(template_file "$TARGET")
}

# Does the composed sysroot have os-release (an absolute symlink resolves inside the sysroot)?
has_os_release() {
  local root=$1 p t
  for p in etc/os-release usr/lib/os-release; do
    if [ -L "$root/$p" ]; then
      t=$(readlink "$root/$p")
      case $t in /*) [ -f "$root$t" ] && return 0 ;; *) [ -f "$root/$p" ] && return 0 ;; esac
    elif [ -f "$root/$p" ]; then return 0; fi
  done
  return 1
}

mount_live_root() {
  has_os_release "$RUN/sysroots/$TARGET" ||
    fail "sysroot $TARGET has no /etc/os-release (or /usr/lib/os-release): refusing to boot it"
  local dirs=()
  [ -z "$TEMPLATE" ] || dirs+=("templates/$TARGET")
  mapfile -t -O "${#dirs[@]}" dirs < <(stack_of "$TARGET")
  overlay "$NEWROOT" "upperdir=$RUN/live/upper,workdir=$RUN/live/work,redirect_dir=on,index=off,metacopy=off" "${dirs[@]}" ||
    fail "cannot mount the Live root on $NEWROOT"
}

apply_language() {
  local lang
  lang=$(arg LANG) || return 0
  [ -n "$lang" ] || return 0
  [[ $lang =~ ^[A-Za-z0-9_.@-]+$ ]] || { say "ignoring LANG=$lang: not a locale name"; return 0; }
  mkdir -p "$NEWROOT/etc"
  printf 'LANG=%s\n' "$lang" >"$NEWROOT/etc/locale.conf"
  if [ -e "$NEWROOT/etc/debian_version" ]; then
    mkdir -p "$NEWROOT/etc/default"
    printf 'LANG=%s\n' "$lang" >"$NEWROOT/etc/default/locale"
  fi
}

link_sysroots() {
  local link="$NEWROOT/sysroots"
  if [ -L "$link" ] || { [ -d "$link" ] && rmdir "$link" 2>/dev/null; }; then rm -f "$link"; fi
  [ ! -e "$link" ] || { say "not linking /sysroots: the sysroot has a non-empty /sysroots"; return 0; }
  ln -s "$RUN/sysroots" "$link" || fail "cannot link /sysroots in the Live root"
}

main() {
  local started
  started=$(date +%s%N)
  # Queued once per device event; a second run (another symlink of the same medium) has nothing to do.
  if [ "$HOST_MODE" = 0 ] && [ -e "$RUN/boot-target" ]; then say "already loaded"; return 0; fi
  setup_run
  mount_medium
  load_config
  pick_target
  mount_layers
  mount_sysroots
  mount_live_root
  apply_language
  link_sysroots
  printf '%s\n' "$TARGET" >"$RUN/boot-target"
  say "booting $TARGET ($(stack_of "$TARGET" | wc -l) layers${TEMPLATE:+ + template}) in $((($(date +%s%N) - started) / 1000000)) ms"
  if [ "$HOST_MODE" = 0 ]; then ln -sf null /dev/root; fi
  return 0
}

main
