#!/bin/bash
# Names and keys of livekit.conf, shared by the build (scripts/mklive, which writes the config) and the
# loader (which reads it), so the two cannot disagree on how a name becomes a key. Bash: arrays.

# A layer or sysroot name the medium may use.
valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]]; }

# A name usable as a Bash variable suffix: `${name//-/_}` (every hyphen, not only the first).
key_of() { printf '%s' "${1//-/_}"; }

# Prints the named array's elements one per line; fails when the variable is not an array.
array_lines() {
  local decl
  decl=$(declare -p "$1" 2>/dev/null) || return 1
  [[ $decl == "declare -a"* ]] || return 1
  local -n _arr=$1
  [ "${#_arr[@]}" -eq 0 ] || printf '%s\n' "${_arr[@]}"
}
