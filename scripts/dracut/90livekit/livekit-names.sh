#!/bin/bash
# Names and keys of livekit.conf, shared by the build (scripts/mklive, which writes the config) and the
# loader (which reads it), so the two cannot disagree on how a name becomes a key. Bash: arrays.
# No command substitution inside: the loader calls these at boot, where every fork counts.

# A layer or sysroot name the medium may use.
valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]]; }

# key_to VAR NAME: sets VAR to NAME as a Bash variable suffix, `${name//-/_}` (every hyphen).
key_to() { printf -v "$1" '%s' "${2//-/_}"; }
# key_of NAME: prints it.
key_of() { printf '%s' "${1//-/_}"; }

# is_array NAME: NAME is set and an indexed array (possibly empty). `local -` restores `set -u`.
is_array() {
  local -
  set +u
  [[ ${!1@a} == *a* ]]
}

# Prints the named array's elements one per line; fails when the variable is not an array.
array_lines() {
  is_array "$1" || return 1
  local -n _arr=$1
  [ "${#_arr[@]}" -eq 0 ] || printf '%s\n' "${_arr[@]}"
}
