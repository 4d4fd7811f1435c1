# shellcheck shell=bash
# The medium's metadata: livekit/livekit.conf (read by the boot module and the installer) and
# livekit/sysroots.json (titles, sizes, hints for the installer).

quoted_array() {
  local out="(" v
  for v in "$@"; do out+="\"$v\" "; done
  printf '%s' "${out% })"
}

write_livekit_conf() {
  local f="$OUT/livekit/livekit.conf" s k deps=()
  {
    printf '# LiveKit medium configuration, written by mklive from recipe %s.\n' "$(basename "$RECIPE_FILE")"
    printf '# Bash syntax (AOSC LiveKit compatible): keys use the name with every "-" turned into "_".\n'
    printf 'FSTYPE="%s"\n' "$FSTYPE"
    printf 'LAYERS=%s\n' "$(quoted_array "${LAYERS[@]}")"
    printf 'SYSROOT_LAYERS=%s\n' "$(quoted_array "${SYSROOTS[@]}")"
    for s in "${SYSROOTS[@]}"; do
      k=$(key_of "$s")
      mapfile -t deps < <(sysroot_stack "$s")
      printf 'SYSROOT_DEP_%s=%s\n' "$k" "$(quoted_array "${deps[@]}")"
    done
    for s in "${SYSROOTS[@]}"; do
      local src
      src=$(template_source "$s")
      if has_template "$src"; then printf 'TEMPLATE_%s="%s.%s"\n' "$(key_of "$s")" "$src" "$FSTYPE"; fi
    done
    if [ -n "${DEFAULT_BOOT_TARGET:-}" ]; then printf 'DEFAULT_BOOT_TARGET="%s"\n' "$DEFAULT_BOOT_TARGET"; fi
  } >"$f.partial"
  mv -f "$f.partial" "$f"
}

# Prints the JSON object of a translated recipe field (an associative array), or {}.
translated_json() {
  local var=$1 lang
  if ! declare -p "$var" 2>/dev/null | grep -q '^declare -A'; then printf '{}'; return; fi
  local -n _t=$var
  local args=()
  for lang in "${!_t[@]}"; do args+=(--arg "$lang" "${_t[$lang]}"); done
  jq -cn '$ARGS.named' "${args[@]}"
}

# sysroot_json <name> <size bytes> <inodes>
sysroot_json() {
  local s=$1 k installable gpu arch
  k=$(key_of "$s")
  installable="SYSROOT_INSTALLABLE_$k"; installable=${!installable:-1}
  gpu="SYSROOT_GPU_$k"; gpu=${!gpu:-}
  arch="SYSROOT_ARCH_$k"; arch=${!arch:-}
  jq -cn --arg name "$s" --argjson title "$(translated_json "SYSROOT_TITLE_$k")" \
    --argjson desc "$(translated_json "SYSROOT_DESC_$k")" --argjson size "$2" --argjson inodes "$3" \
    --argjson inst "$([ "$installable" = 1 ] && echo true || echo false)" --arg gpu "$gpu" --arg arch "$arch" \
    '{($name): {title: $title, description: $desc, size: $size, inodes: $inodes, installable: $inst,
       hints: ({} + (if $gpu != "" then {gpu: $gpu} else {} end) + (if $arch != "" then {arch: $arch} else {} end))}}'
}
