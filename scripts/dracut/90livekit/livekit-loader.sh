#!/bin/bash
# LiveKit loader: composes the Live root from a LiveKit medium (see scripts/mklive/README.md).
#
#   in the initramfs (queued by the udev rule):  livekit-loader <medium device>
#   on a host, for tests:  livekit-loader.sh --medium DIR --newroot DIR [--run DIR] [--cmdline '...']
#     --medium   the medium's root directory (holding livekit/), bind-mounted read-only
#     --run      replaces /run/livekit;  --cmdline replaces the kernel command line
#
# Result: tmpfs at $RUN; the medium at $RUN/medium and (AOSC's path) $RUN/livemnt; base and layers
# read-only at $RUN/layers/<layer>; every sysroot, base always among them, read-only at
# $RUN/sysroots/<name>; the chosen sysroot (+ its Live template) under a writable overlay (upper and
# work on the tmpfs) at $NEWROOT; the medium's livekit/hooks/*.sh sourced; $RUN/boot-target names the
# sysroot (written last). AOSC OS LiveKit media boot as they are (see README.md: "AOSC media").
# Any failure says what on the console ("LiveKit: ...") and, in the initramfs, opens dracut's
# emergency shell.
#
# Speed: under emulation (QEMU TCG) a program start costs ~100 ms and a fork ~15 ms, more than a mount,
# so the loader starts a fixed handful of programs whatever the stack depth — one `mount -a` for the
# tmpfs and the medium, one `mkdir`, one `mount -a` for every layer, sysroot and the Live root (from
# $RUN/livekit.fstab, kept for whoever debugs a boot), one `ln` (mkdir and ln are Bash's loadable
# builtins when the initramfs has them) — and forks no subshell on the way: helpers return through
# variables (printf -v, namerefs), never through $(...).
STARTED=${EPOCHREALTIME/[.,]/} # the boot line's figure counts from here, Bash's own start aside
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
  # They end up in fstab fields and overlay options, where these characters do not survive.
  [[ $RUN$NEWROOT != *[[:space:],:\\]* ]] || { echo "LiveKit: --run and --newroot may not contain spaces, commas, colons or backslashes" >&2; exit 2; }
  names_lib=$(dirname "$(readlink -f "$0")")/livekit-names.sh
else
  DEVICE=${1:-}
  # dracut-lib.sh is sourced only on failure (for its emergency shell): parsing it costs ~0.1 s under
  # emulation. The command line is read once, as dracut's getcmdline does (its getarg would start a
  # program per call): /etc/cmdline.d/*.conf, /etc/cmdline, then the kernel's.
  for f in /etc/cmdline.d/*.conf /etc/cmdline /proc/cmdline; do
    [ -f "$f" ] || continue
    while read -r line || [ -n "$line" ]; do CMDLINE+=" $line"; done <"$f"
  done
  unset f line
  names_lib=/lib/livekit-names.sh
  # Bash's loadable mkdir and ln, when module-setup.sh found them: two program starts fewer.
  for b in mkdir ln; do [ ! -f "/usr/lib/bash/$b" ] || enable -f "/usr/lib/bash/$b" "$b" 2>/dev/null || true; done
fi

# valid_name, key_to, is_array: the same rules the build writes the config with.
# shellcheck source=livekit-names.sh
. "$names_lib"

fail() {
  echo "LiveKit: $*" >&2
  [ "$HOST_MODE" = 0 ] || exit 1
  # In the initramfs: dracut's emergency shell, which puts the message on the console (kmsg); the
  # emergency hook repeats it above the prompt (no quotes, `$` or backslashes inside it). Not
  # dracut's die: that halts unless rd.shell is given, and a Live medium that cannot boot should leave
  # a shell to look around in (rd.shell=0 still gets dracut's halt).
  local msg="LiveKit: $*"
  msg=${msg//[\`\"\$\\]/}
  # shellcheck source=/dev/null
  . /lib/dracut-lib.sh
  # shellcheck disable=SC2154 # hookdir comes from dracut-lib.sh
  echo "warn \"$msg\"" >>"$hookdir/emergency/01-livekit.sh"
  emergency_shell "$msg"
  exit 1
}
say() {
  echo "LiveKit: $*" >&2
  if [ "$HOST_MODE" = 0 ]; then echo "<29>LiveKit: $*" >/dev/kmsg 2>/dev/null; fi
  return 0
}

# The command line as words (no globbing); double quotes around a value are dropped.
read -r -a CMDLINE_WORDS <<<"$CMDLINE"
# arg NAME: sets ARG to the value of NAME= (empty for a bare flag); fails when absent. Last one wins.
arg() {
  local w found=1
  ARG=''
  for w in "${CMDLINE_WORDS[@]}"; do
    case $w in
      "$1") found=0 ARG='' ;;
      "$1"=*) found=0 ARG=${w#*=} ARG=${ARG#\"} ARG=${ARG%\"} ;;
    esac
  done
  return "$found"
}
flag() {
  arg "$1" || return 1
  case $ARG in 0 | no | off | false) return 1 ;; esac
  return 0
}

# fstab_path VAR PATH: sets VAR to PATH escaped for an fstab field (space, tab, newline, backslash).
fstab_path() {
  local p=${2//\\/\\134}
  p=${p// /\\040}
  p=${p//$'\t'/\\011}
  printf -v "$1" '%s' "${p//$'\n'/\\012}"
}

# is_mounted DIR: DIR is a mount point (read from mountinfo, no program started).
is_mounted() {
  local want f
  fstab_path want "$1"
  while read -r _ _ _ _ f _; do
    [ "$f" = "$want" ] && return 0
  done </proc/self/mountinfo
  return 1
}

# mount_all FILE: mounts every entry of an fstab-format FILE, in order, with one program start.
mount_all() { mount -a --fstab "$1"; }

# The tmpfs at $RUN and the medium on it, read-only, with one program start. libmount reads an fstab
# only from a regular file, and $RUN is not mounted yet: the file goes to the initramfs's /tmp (gone at
# switch-root), or beside --run on a host.
mount_run_and_medium() {
  local size source type=auto opts fstab=/tmp/livekit-medium.fstab run_field medium_field source_field livemnt_field
  size=50%
  if arg livekit.tmpfs-size; then size=$ARG; fi
  [[ $size =~ ^[0-9]+[kKmMgG%]?$ ]] || fail "livekit.tmpfs-size=$size is not a size (examples: 4G, 60%)"
  if [ "$HOST_MODE" = 1 ]; then source=$MEDIUM_SRC type=none opts=bind,ro fstab=$RUN.fstab
  else
    [ -b "$DEVICE" ] || fail "medium device $DEVICE is not a block device"
    source=$DEVICE opts=ro
  fi
  fstab_path run_field "$RUN"
  fstab_path medium_field "$RUN/medium"
  fstab_path source_field "$source"
  fstab_path livemnt_field "$RUN/livemnt"
  # The third line: AOSC's path to the medium (DeployKit looks there), the same mount bound again.
  printf 'livekit %s tmpfs mode=0755,size=%s,X-mount.mkdir 0 0\n%s %s %s %s,X-mount.mkdir 0 0\n%s %s none bind,ro,X-mount.mkdir 0 0\n' \
    "$run_field" "$size" "$source_field" "$medium_field" "$type" "$opts" "$medium_field" "$livemnt_field" >"$fstab" || fail "cannot write $fstab"
  if ! mount_all "$fstab"; then
    is_mounted "$RUN" || fail "cannot mount the tmpfs at $RUN (size $size)"
    is_mounted "$RUN/medium" || fail "cannot mount the medium $source"
    fail "cannot bind the medium at $RUN/livemnt"
  fi
  MEDIUM="$RUN/medium/livekit"
}

# Does the config say what the base sysroot is made of (ours may; AOSC's LiveKit config does)?
# shellcheck disable=SC2154 # set, or not, by livekit.conf
has_base_deps() { declare -p SYSROOT_DEP_base >/dev/null 2>&1; }

load_config() {
  local conf="$MEDIUM/livekit.conf" errors=() e rc=0 s d k
  [ -f "$conf" ] || fail "config missing: livekit/livekit.conf is not on the medium"
  # The medium is trusted at boot: source it, then check what it must define. Bash's errors go to the
  # tmpfs and are read back without starting a program; a syntax error may leave the status 0 (Bash
  # goes on after it), so the messages decide.
  # shellcheck source=/dev/null
  . "$conf" 2>"$RUN/config.err" || rc=$?
  mapfile -t errors <"$RUN/config.err"
  for e in "${errors[@]}"; do
    case $e in *"syntax error"* | *"unexpected EOF"* | *"unexpected end of file"*)
      fail "config malformed: livekit/livekit.conf has a syntax error: ${e#"$conf": }" ;;
    esac
  done
  [ "$rc" = 0 ] || fail "config malformed: livekit/livekit.conf failed to load${errors[0]:+: ${errors[0]#"$conf": }}"
  FSTYPE=${FSTYPE:-squashfs}
  [[ $FSTYPE == squashfs || $FSTYPE == erofs ]] || fail "config malformed: FSTYPE=\"$FSTYPE\" (want squashfs or erofs)"
  # As AOSC's loader: both lists may be left out (AOSC's LiveKit config is SYSROOT_DEP_base and
  # FSTYPE alone); a value that is there must be an array.
  for s in LAYERS SYSROOT_LAYERS; do
    if ! is_array "$s"; then
      ! declare -p "$s" >/dev/null 2>&1 || fail "config malformed: $s is not an array"
      declare -ga "$s"
    fi
  done
  for s in "${LAYERS[@]}" "${SYSROOT_LAYERS[@]}"; do
    valid_name "$s" || fail "config malformed: bad name \"$s\""
  done
  # The sysroots: base always (AOSC leaves it out of SYSROOT_LAYERS; ours may list it), then the rest.
  SYSROOTS=(base) SYSROOT_KEYS=' base '
  for s in "${SYSROOT_LAYERS[@]}"; do
    [ "$s" = base ] && continue
    SYSROOTS+=("$s")
    key_to k "$s"
    SYSROOT_KEYS+="$k "
  done
  for s in "${SYSROOTS[@]}"; do
    key_to k "$s"
    if [ "$s" = base ] && ! has_base_deps; then continue; fi # base alone
    is_array "SYSROOT_DEP_$k" || fail "config malformed: SYSROOT_DEP_$k is missing or not an array (sysroot $s)"
    local -n deps="SYSROOT_DEP_$k"
    [ "${#deps[@]}" -gt 0 ] || fail "config malformed: SYSROOT_DEP_$k is empty (sysroot $s)"
    for d in "${deps[@]}"; do
      [ "$d" = base ] || [[ " ${LAYERS[*]} " == *" $d "* ]] ||
        fail "config malformed: SYSROOT_DEP_$k names \"$d\", which is not in LAYERS"
    done
    unset -n deps
  done
  # Entries for sysroots the medium does not declare (AOSC's amd64 config carries other
  # architectures' from a shared part): ignored, as AOSC's loader does, and said.
  for s in ${!SYSROOT_DEP_@} ${!TEMPLATE_@}; do
    k=${s#SYSROOT_DEP_} k=${k#TEMPLATE_}
    [[ $SYSROOT_KEYS == *" $k "* ]] || say "ignoring $s: no sysroot ${k//_/-} in SYSROOT_LAYERS"
  done
}

# layer_file VAR LAYER: sets VAR to the layer's image, relative to livekit/.
layer_file() {
  if [ "$2" = base ]; then printf -v "$1" 'base.%s' "$FSTYPE"; else printf -v "$1" 'layers/%s.%s' "$2" "$FSTYPE"; fi
}

pick_target() {
  local how k v
  if arg livekit.boot && [ -n "$ARG" ]; then TARGET=$ARG how="livekit.boot=$TARGET"
  elif [ -n "${DEFAULT_BOOT_TARGET:-}" ]; then TARGET=$DEFAULT_BOOT_TARGET how="DEFAULT_BOOT_TARGET=$TARGET"
  else TARGET=livekit how="the default sysroot livekit"; fi
  [[ " ${SYSROOTS[*]} " == *" $TARGET "* ]] ||
    fail "unknown sysroot: $how is not on this medium (sysroots: ${SYSROOTS[*]})"
  # The template file, relative to livekit/, or nothing: TEMPLATE_<key>, else <target>.<fstype>
  # (AOSC's fallback, also when the named file is missing).
  key_to k "$TARGET"
  v="TEMPLATE_$k"
  TEMPLATE=''
  if [ -n "${!v:-}" ]; then
    if [ -f "$MEDIUM/templates/${!v}" ]; then TEMPLATE="templates/${!v}"
    else say "template file missing: livekit/templates/${!v} (sysroot $TARGET); trying templates/$TARGET.$FSTYPE"; fi
  fi
  if [ -z "$TEMPLATE" ] && [ -f "$MEDIUM/templates/$TARGET.$FSTYPE" ]; then TEMPLATE="templates/$TARGET.$FSTYPE"; fi
}

# With livekit.ram: copies the images into the tmpfs (after checking memory) and mounts them from there.
copy_to_ram() {
  local files=("$@") sizes=() f n need=0 avail_mem=0 key value avail_tmpfs
  mapfile -t sizes < <(cd "$MEDIUM" && stat -c %s -- "${files[@]}") || fail "livekit.ram: cannot read the image sizes"
  for n in "${sizes[@]}"; do need=$((need + n)); done
  while read -r key value _; do [ "$key" = MemAvailable: ] && avail_mem=$((value * 1024)); done </proc/meminfo
  avail_tmpfs=$(($(stat -f -c '%a * %S' "$RUN")))
  [ "$need" -lt "$avail_mem" ] ||
    fail "livekit.ram: the medium's images need $((need / 1048576)) MiB but only $((avail_mem / 1048576)) MiB of memory is available"
  [ "$need" -lt "$avail_tmpfs" ] ||
    fail "livekit.ram: the images need $((need / 1024)) KiB but the tmpfs has $((avail_tmpfs / 1024)) KiB free (raise livekit.tmpfs-size=)"
  say "livekit.ram: copying $((need / 1048576)) MiB into memory"
  mkdir -p "$RUN/ram" || fail "livekit.ram: cannot create $RUN/ram"
  for f in "${files[@]}"; do
    (cd "$MEDIUM" && cp --parents -- "$f" "$RUN/ram/") || fail "livekit.ram: cannot copy $f into memory"
  done
  IMAGES="$RUN/ram"
}

# The mounts of one boot, in order, gathered then made by one `mount -a`; for each, what to say if
# it is the one that fails.
MOUNTS=() MOUNT_TARGETS=() MOUNT_FAILURES=()
# add_mount <message on failure> <source> <target> <type> <options>
add_mount() {
  local source_field target_field
  fstab_path source_field "$2"
  fstab_path target_field "$3"
  MOUNT_FAILURES+=("$1") MOUNT_TARGETS+=("$3")
  MOUNTS+=("$source_field $target_field $4 $5,X-mount.mkdir 0 0")
}

add_layer_mounts() {
  # needed: the images, relative to livekit/; at: where each is mounted, relative to $RUN.
  local l f i needed=() at=()
  for l in base "${LAYERS[@]}"; do
    [ "$l" = base ] && [ "${#needed[@]}" -gt 0 ] && continue # AOSC media may list base in LAYERS
    layer_file f "$l"
    [ -f "$MEDIUM/$f" ] || fail "layer file missing: livekit/$f (layer $l)"
    needed+=("$f") at+=("layers/$l")
  done
  if [ -n "$TEMPLATE" ]; then needed+=("$TEMPLATE") at+=("templates/$TARGET"); fi
  IMAGES=$MEDIUM
  if flag livekit.ram; then copy_to_ram "${needed[@]}"; fi
  for i in "${!needed[@]}"; do
    f=${needed[$i]}
    add_mount "cannot mount $f (is it a $FSTYPE image?)" "$IMAGES/$f" "$RUN/${at[$i]}" "$FSTYPE" ro,loop
  done
}

# overlay_options <extra options> <lower dirs relative to $RUN, top first...>: sets OVERLAY_OPTIONS,
# with absolute paths when they fit a page (4096 bytes, the legacy mount(2) limit with util-linux
# < 2.39), else relative to $RUN, where `mount -a` runs.
overlay_options() {
  local extra=$1 abs='' rel='' d
  shift
  for d in "$@"; do abs+="${abs:+:}$RUN/$d"; rel+="${rel:+:}$d"; done
  OVERLAY_OPTIONS="lowerdir=$abs,$extra"
  [ "${#OVERLAY_OPTIONS}" -lt 3800 ] || OVERLAY_OPTIONS="lowerdir=$rel,${extra//$RUN\//}"
}

# stack_of SYSROOT: sets STACK to its lower dirs, top first, relative to $RUN (base without
# SYSROOT_DEP_base: base alone).
stack_of() {
  local k i
  key_to k "$1"
  STACK=()
  if [ "$1" = base ] && ! has_base_deps; then STACK=(layers/base); return 0; fi
  local -n _deps="SYSROOT_DEP_$k"
  for ((i = ${#_deps[@]} - 1; i >= 0; i--)); do STACK+=("layers/${_deps[$i]}"); done
}

add_sysroot_mounts() {
  local s
  for s in "${SYSROOTS[@]}"; do
    stack_of "$s"
    if [ "${#STACK[@]}" -eq 1 ]; then
      # overlayfs wants two lower dirs without an upper: a single layer is a read-only bind.
      add_mount "cannot mount sysroot $s" "$RUN/${STACK[0]}" "$RUN/sysroots/$s" none bind,ro
    else
      overlay_options "ro,redirect_dir=follow,index=off,metacopy=off" "${STACK[@]}"
      add_mount "cannot compose sysroot $s from ${STACK[*]}" livekit "$RUN/sysroots/$s" overlay "$OVERLAY_OPTIONS"
    fi
  done
}

add_live_root_mount() {
  stack_of "$TARGET"
  [ -z "$TEMPLATE" ] || STACK=("templates/$TARGET" "${STACK[@]}")
  overlay_options "upperdir=$RUN/live/upper,workdir=$RUN/live/work,redirect_dir=on,index=off,metacopy=off" "${STACK[@]}"
  add_mount "cannot mount the Live root on $NEWROOT" livekit "$NEWROOT" overlay "$OVERLAY_OPTIONS"
}

# Makes every gathered mount; on failure names the first one that is not mounted.
mount_gathered() {
  local fstab="$RUN/livekit.fstab" i
  mkdir -p "$RUN/live/upper" "$RUN/live/work" || fail "cannot create the Live root's upper dir on $RUN"
  printf '%s\n' "${MOUNTS[@]}" >"$fstab" || fail "cannot write $fstab"
  cd "$RUN" || fail "cannot enter $RUN"
  if ! mount_all "$fstab"; then
    for i in "${!MOUNT_TARGETS[@]}"; do is_mounted "${MOUNT_TARGETS[$i]}" || fail "${MOUNT_FAILURES[$i]}"; done
    fail "mount -a --fstab $fstab failed"
  fi
  cd / || true
}

# Does the composed sysroot have os-release (an absolute symlink resolves inside the sysroot)?
has_os_release() {
  local root=$1 p t
  # A regular file (not a link) settles it without starting readlink.
  for p in etc/os-release usr/lib/os-release; do [ ! -L "$root/$p" ] && [ -f "$root/$p" ] && return 0; done
  for p in etc/os-release usr/lib/os-release; do
    if [ -L "$root/$p" ]; then
      t=$(readlink "$root/$p")
      case $t in /*) [ -f "$root$t" ] && return 0 ;; *) [ -f "$root/$p" ] && return 0 ;; esac
    fi
  done
  return 1
}

check_os_release() {
  has_os_release "$RUN/sysroots/$TARGET" ||
    fail "sysroot $TARGET has no /etc/os-release (or /usr/lib/os-release): refusing to boot it"
}

apply_language() {
  arg LANG || return 0
  local lang=$ARG
  [ -n "$lang" ] || return 0
  [[ $lang =~ ^[A-Za-z0-9_.@-]+$ ]] || { say "ignoring LANG=$lang: not a locale name"; return 0; }
  [ -d "$NEWROOT/etc" ] || mkdir -p "$NEWROOT/etc"
  printf 'LANG=%s\n' "$lang" >"$NEWROOT/etc/locale.conf"
  if [ -e "$NEWROOT/etc/debian_version" ]; then
    [ -d "$NEWROOT/etc/default" ] || mkdir -p "$NEWROOT/etc/default"
    printf 'LANG=%s\n' "$lang" >"$NEWROOT/etc/default/locale"
  fi
}

link_sysroots() {
  local link="$NEWROOT/sysroots"
  if [ -L "$link" ] || { [ -d "$link" ] && rmdir "$link" 2>/dev/null; }; then rm -f "$link"; fi
  [ ! -e "$link" ] || { say "not linking /sysroots: the sysroot has a non-empty /sysroots"; return 0; }
  ln -s "$RUN/sysroots" "$link" || fail "cannot link /sysroots in the Live root"
}

# AOSC's hooks: livekit/hooks/*.sh, in name order, sourced (they share the loader's shell) with
# $TARGET exported and the Live root at /sysroot ($NEWROOT, also exported). AOSC's own locale hook
# logs with `i` and reads $CMDLINEFILE (else /proc/cmdline): both are provided.
i() { say "$*"; }
w() { say "warning: $*"; }
run_hooks() {
  local hook rc
  [ -d "$MEDIUM/hooks" ] || return 0
  export TARGET NEWROOT
  if [ "$HOST_MODE" = 1 ]; then
    printf '%s\n' "$CMDLINE" >"$RUN/cmdline" || fail "cannot write $RUN/cmdline"
    export CMDLINEFILE="$RUN/cmdline"
  fi
  for hook in "$MEDIUM/hooks/"*.sh; do
    [ -f "$hook" ] || continue
    rc=0
    # shellcheck source=/dev/null
    . "$hook" || rc=$?
    [ "$rc" = 0 ] || fail "hook livekit/hooks/${hook##*/} failed (status $rc)"
  done
}

# cpu_ms VAR: sets VAR to the CPU time (user + system) of the loader and the programs it started, in ms, from `times`
# (through the tmpfs: no fork). The rest of the wall time is other processes (udev, systemd reacting
# to the new loop devices and mounts) and the kernel's work for them.
cpu_ms() {
  local lines=() words=() total=0 t m s
  times >"$RUN/times" && mapfile -t lines <"$RUN/times"
  read -r -a words <<<"${lines[*]}" # four tokens like 0m0.120s
  for t in "${words[@]}"; do
    m=${t%%m*} s=${t#*m} s=${s%s}
    total=$((total + m * 60000 + 10#${s%.*} * 1000 + 10#${s#*.}))
  done
  printf -v "$1" '%s' "$total"
}

# With livekit.timing, the boot line is followed by where the time went: phase "<name>" ends now (ms
# since the previous one), and how many kernel uevents the mounts caused (a new loop device brings two,
# its configuration one; udev and PID 1 take their turn on the CPU for each).
TIMING_ON='' TIMING='' PHASE_AT=$STARTED
phase() {
  [ -n "$TIMING_ON" ] || return 0
  local now=${EPOCHREALTIME/[.,]/}
  TIMING+="${TIMING:+, }$1 $(((now - PHASE_AT) / 1000)) ms"
  PHASE_AT=$now
}
# uevent_seqnum VAR: sets VAR to the kernel's uevent sequence number (0 without livekit.timing).
uevent_seqnum() { printf -v "$1" 0; [ -z "$TIMING_ON" ] || read -r "$1" </sys/kernel/uevent_seqnum || true; }

main() {
  local now cpu uevents_before uevents_after
  # Queued once per device event; a second run (another symlink of the same medium) has nothing to do.
  if [ "$HOST_MODE" = 0 ] && [ -e "$RUN/boot-target" ]; then say "already loaded"; return 0; fi
  if flag livekit.timing; then TIMING_ON=1; fi
  phase start
  mount_run_and_medium
  phase medium
  load_config
  pick_target
  phase config
  add_layer_mounts
  add_sysroot_mounts
  add_live_root_mount
  phase plan
  uevent_seqnum uevents_before
  mount_gathered
  uevent_seqnum uevents_after
  phase mounts
  check_os_release
  apply_language
  link_sysroots
  run_hooks
  stack_of "$TARGET"
  phase finish
  now=${EPOCHREALTIME/[.,]/}
  cpu_ms cpu
  say "booting $TARGET (${#STACK[@]} layers${TEMPLATE:+ + template}) in $(((now - STARTED) / 1000)) ms (CPU $cpu ms)"
  [ -z "$TIMING_ON" ] || say "timing: $TIMING; $((uevents_after - uevents_before)) uevents during the mounts"
  # Last: the initqueue's "finished" test (parse-livekit.sh) waits for this file.
  printf '%s\n' "$TARGET" >"$RUN/boot-target"
  return 0
}

main
