# shellcheck shell=bash
# Logging, fatal errors and a stack of cleanup actions that runs on every exit (even on failure),
# so the build never leaves a mount behind.

MKLIVE_CLEANUPS=()
# Set by mklive before any build step: the scratch dir and the medium's root.
WORK=${WORK:-}
OUT=${OUT:-}

log() { printf 'mklive: %s\n' "$*" >&2; }
die() { printf 'mklive: error: %s\n' "$*" >&2; exit 1; }

# Registers a command (a string, evaluated at exit) to undo something just set up. Runs last-in first-out.
on_exit() { MKLIVE_CLEANUPS+=("$1"); }

# Drops the most recent cleanup after doing it now (the normal, successful path).
undo_last() {
  local n=$((${#MKLIVE_CLEANUPS[@]} - 1))
  [ "$n" -ge 0 ] || return 0
  local action=${MKLIVE_CLEANUPS[$n]}
  unset "MKLIVE_CLEANUPS[$n]"
  MKLIVE_CLEANUPS=("${MKLIVE_CLEANUPS[@]}")
  eval "$action"
}

run_cleanups() {
  local i
  for ((i = ${#MKLIVE_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${MKLIVE_CLEANUPS[$i]}" || true
  done
  MKLIVE_CLEANUPS=()
}

# Mounts and records the unmount. Usage: mount_tracked <mountpoint> <mount args...>
mount_tracked() {
  local where=$1
  shift
  mount "$@" "$where" || die "cannot mount $where ($*)"
  on_exit "umount $(printf '%q' "$where") || umount -l $(printf '%q' "$where")"
}

# valid_name, key_of, array_lines: one definition with the boot module, which reads what the build writes.
# shellcheck source=../../dracut/90livekit/livekit-names.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../dracut/90livekit/livekit-names.sh"

sha256_of_stdin() { sha256sum | cut -d' ' -f1; }
