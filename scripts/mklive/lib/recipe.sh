# shellcheck shell=bash
# Loading a recipe (a trusted Bash file, see ../README.md), checking it, and the content hash of each
# layer that decides whether the layer must be rebuilt.

# Resolves `tiny` to recipes/tiny.recipe; a path is used as is.
recipe_path() {
  local r=$1
  if [[ $r == */* || $r == *.recipe ]]; then printf '%s' "$r"; else printf '%s/recipes/%s.recipe' "$MKLIVE_DIR" "$r"; fi
}

layer_stack() { array_lines "LAYER_ON_$(key_of "$1")"; }
layer_packages() { array_lines "LAYER_PACKAGES_$(key_of "$1")" || true; }
sysroot_stack() { array_lines "SYSROOT_DEP_$(key_of "$1")"; }

# The sysroot whose template a sysroot boots with (itself unless TEMPLATE_FOR_<key> names another).
template_source() {
  local v
  v="TEMPLATE_FOR_$(key_of "$1")"
  printf '%s' "${!v:-$1}"
}
has_template() { declare -F "template_$(key_of "$1")" >/dev/null; }

# Sets RECIPE_FILE. The caller sources it at top level (so its `declare -A` are global), then calls
# recipe_check.
recipe_locate() {
  local file
  file=$(recipe_path "$1")
  [ -f "$file" ] || die "recipe not found: $file"
  RECIPE_FILE=$(readlink -f "$file")
}

recipe_check() {
  local f l d s known=(base)
  for f in recipe_bootstrap recipe_install; do
    declare -F "$f" >/dev/null || die "recipe $RECIPE_FILE: function $f is not defined"
  done
  : "${RECIPE_ARCH:?recipe must set RECIPE_ARCH}"
  array_lines BASE_PACKAGES >/dev/null || BASE_PACKAGES=()
  array_lines LAYERS >/dev/null || die "recipe: LAYERS must be an array"
  array_lines SYSROOTS >/dev/null || die "recipe: SYSROOTS must be an array"
  for l in "${LAYERS[@]}"; do
    valid_name "$l" || die "recipe: bad layer name '$l'"
    [ "$l" != base ] || die "recipe: 'base' is implicit, do not list it in LAYERS"
    layer_stack "$l" >/dev/null || die "recipe: LAYER_ON_$(key_of "$l") must be an array (the stack it is built over)"
    while read -r d; do
      [[ " ${known[*]} " == *" $d "* ]] || die "recipe: layer $l is built over '$d', which is not an earlier layer"
    done < <(layer_stack "$l")
    known+=("$l")
  done
  for s in "${SYSROOTS[@]}"; do
    valid_name "$s" || die "recipe: bad sysroot name '$s'"
    sysroot_stack "$s" >/dev/null || die "recipe: SYSROOT_DEP_$(key_of "$s") must be an array"
    [ "$(sysroot_stack "$s" | head -n1)" = base ] || die "recipe: sysroot $s must start with base"
    while read -r d; do
      [[ " ${known[*]} " == *" $d "* ]] || die "recipe: sysroot $s uses unknown layer '$d'"
    done < <(sysroot_stack "$s")
    local src
    src=$(template_source "$s")
    if [ "$src" != "$s" ]; then
      if [[ " ${SYSROOTS[*]} " != *" $src "* ]] || ! has_template "$src"; then die "recipe: TEMPLATE_FOR_$(key_of "$s")=$src has no template_$(key_of "$src")"; fi
    fi
  done
  if [ -n "${DEFAULT_BOOT_TARGET:-}" ]; then
    [[ " ${SYSROOTS[*]} " == *" $DEFAULT_BOOT_TARGET "* ]] || die "recipe: DEFAULT_BOOT_TARGET=$DEFAULT_BOOT_TARGET is not a sysroot"
  fi
}

# Content hashes. A layer's hash covers its recipe section, the recipe-wide install and clean
# functions, the build code that shapes layers, the output format and the hashes of the layers beneath.
declare -A MKLIVE_HASH=()

build_code_hash() {
  cat "$MKLIVE_DIR/lib/layer.sh" "$MKLIVE_DIR/lib/pack.sh" | sha256_of_stdin
}

# The hash of an already hashed unit (units are hashed in dependency order).
hash_of() {
  local u=$1
  [ "$u" = base ] || u="layer:$u"
  [ -n "${MKLIVE_HASH[$u]:-}" ] || die "internal: $u hashed before its dependencies"
  printf '%s\n' "${MKLIVE_HASH[$u]}"
}

# files_hash <array name>: the content of the files and folders a recipe names as a unit's inputs
# (LAYER_FILES_<key>, TEMPLATE_FILES_<key>: files a hook copies in), when the array exists.
files_hash() {
  declare -p "$1" >/dev/null 2>&1 || return 0
  local -n _paths=$1
  [ "${#_paths[@]}" -gt 0 ] || return 0
  find "${_paths[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum
}

# compute_hash <base|layer:NAME|template:SYSROOT>: sets MKLIVE_HASH[unit] (in this shell, not a subshell).
compute_hash() {
  local unit=$1 name k
  local h
  h=$(
    printf 'mklive-hash-v1 %s fstype=%s comp=%s arch=%s code=%s\n' "$unit" "$FSTYPE" "$COMP" "$RECIPE_ARCH" "$(build_code_hash)"
    declare -f recipe_clean 2>/dev/null || true
    case $unit in
      base)
        declare -f recipe_bootstrap
        declare -p BASE_PACKAGES 2>/dev/null || true
        if declare -F layer_hook_base >/dev/null; then declare -f recipe_install layer_hook_base; fi
        [ "${#BASE_PACKAGES[@]}" -eq 0 ] || declare -f recipe_install
        ;;
      layer:*)
        name=${unit#layer:}; k=$(key_of "$name")
        declare -f recipe_install
        declare -p "LAYER_ON_$k" "LAYER_PACKAGES_$k" 2>/dev/null || true
        declare -f "layer_hook_$k" 2>/dev/null || true
        files_hash "LAYER_FILES_$k"
        if installer_wanted "$name"; then printf 'installer %s\n' "$(installer_hash)"; fi
        while read -r d; do hash_of "$d"; done < <(layer_stack "$name")
        ;;
      template:*)
        name=${unit#template:}; k=$(key_of "$name")
        declare -f "template_$k"
        files_hash "TEMPLATE_FILES_$k"
        while read -r d; do hash_of "$d"; done < <(sysroot_stack "$name")
        ;;
    esac
  ) || die "cannot hash $unit"
  MKLIVE_HASH[$unit]=$(printf '%s' "$h" | sha256_of_stdin)
}
