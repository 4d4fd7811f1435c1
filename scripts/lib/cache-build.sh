#!/bin/bash
# Sourced (the shebang is for shellcheck and editors). Build once under a lock, then publish: the one way
# LiveKit's caches are made (the boot kit, the Debian test fixture, debootstrap tarballs). The build runs
# in a private folder beside the entry and is renamed into place only when it succeeded, so a reader
# never sees half an entry, concurrent callers wait instead of building twice, and a failed or
# interrupted build leaves nothing behind but a temp folder the next build removes.
#
#   cache_build DIR COMMAND [ARGS...]
#     Returns 0 at once when DIR is a finished entry. Otherwise takes DIR.lock and runs
#     `COMMAND ARGS... TMP` as its own process (TMP: an empty folder beside DIR), marks TMP finished and
#     renames it to DIR. Returns the command's status when it fails.
#     The builder is a separate process on purpose: Bash ignores `set -e` inside anything whose status
#     is tested (`cache_build ... || die`), subshells included, so a function could run on past an error.
#   cache_ready DIR    true when DIR is a finished entry

cache_ready() { [ -f "$1/done" ]; }

cache_build() {
  local dir=$1
  shift
  cache_ready "$dir" && return 0
  mkdir -p "$(dirname "$dir")" || return
  local lock_fd status=0
  exec {lock_fd}>"$dir.lock" || return
  flock "$lock_fd" || return
  cache_ready "$dir" || _cache_build_locked "$dir" "$@" || status=$?
  exec {lock_fd}>&-
  return "$status"
}

# Under the lock: any temp folder of an earlier build is stale (its builder held this lock and is gone).
_cache_build_locked() {
  local dir=$1 tmp="$1.tmp.$$" stale
  shift
  for stale in "$dir".tmp.*; do
    if [ -d "$stale" ]; then rm -rf --one-file-system "$stale" || return; fi
  done
  if [ -e "$dir" ]; then rm -rf --one-file-system "$dir" || return; fi # unfinished: no `done` in it
  mkdir "$tmp" || return
  local status=0
  "$@" "$tmp" || status=$?
  if [ "$status" -ne 0 ]; then
    rm -rf --one-file-system "$tmp"
    return "$status"
  fi
  touch "$tmp/done" && mv -T "$tmp" "$dir"
}
