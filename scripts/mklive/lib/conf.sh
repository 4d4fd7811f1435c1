# shellcheck shell=bash
# The medium's metadata: livekit/livekit.conf (read by the boot module and the installer),
# livekit/sysroots.json (titles, sizes, hints for our installer) and, from the same recipe texts and
# measurement, manifest/recipe.json + manifest/recipe-i18n.json (what AOSC's installer reads).

quoted_array() {
  local out="(" v
  for v in "$@"; do out+="\"$v\" "; done
  printf '%s' "${out% })"
}

# The sysroots SYSROOT_LAYERS lists: all of them; with --aosc all but base, which AOSC's loader
# binds by itself (listed, it would be an overlay of one lower dir, which fails).
listed_sysroots() {
  local s
  for s in "${SYSROOTS[@]}"; do
    if [ "${AOSC:-0}" = 1 ] && [ "$s" = base ]; then continue; fi
    printf '%s\n' "$s"
  done
}

write_livekit_conf() {
  local f="$OUT/livekit/livekit.conf" s k deps=() listed=()
  mapfile -t listed < <(listed_sysroots)
  {
    printf '# LiveKit medium configuration, written by mklive from recipe %s.\n' "$(basename "$RECIPE_FILE")"
    printf '# Bash syntax (AOSC LiveKit compatible): keys use the name with every "-" turned into "_".\n'
    printf 'FSTYPE="%s"\n' "$FSTYPE"
    printf 'LAYERS=%s\n' "$(quoted_array "${LAYERS[@]}")"
    printf 'SYSROOT_LAYERS=%s\n' "$(quoted_array "${listed[@]}")"
    # SYSROOT_DEP_base=("base") stays with --aosc: AOSC's loader needs it to boot livekit.boot=base.
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

# translated_text <recipe variable> <language>: the text in that language, else English, else empty.
translated_text() {
  if ! declare -p "$1" 2>/dev/null | grep -q '^declare -A'; then return 0; fi
  local -n _tt=$1
  printf '%s' "${_tt[$2]:-${_tt[en]:-}}"
}

# write_aosc_manifest <lines file>: manifest/recipe.json and manifest/recipe-i18n.json, the shape
# AOSC's builder writes and DeployKit reads: one variant per installable sysroot (base last), its
# texts under `<sysroot>-name`/`<sysroot>-description` keys in en, zh-CN and zh-TW.
write_aosc_manifest() {
  local lines=$1 s k size inodes installable order=() variants="$WORK/recipe.variants" lang key
  local dir="$OUT/manifest" arch=${RECIPE_ARCH:-amd64}
  mkdir -p "$dir"
  for s in "${SYSROOTS[@]}"; do [ "$s" = base ] || order+=("$s"); done
  [[ " ${SYSROOTS[*]} " != *" base "* ]] || order+=(base)
  : >"$variants"
  for s in "${order[@]}"; do
    k=$(key_of "$s")
    installable="SYSROOT_INSTALLABLE_$k"
    [ "${!installable:-1}" = 1 ] || continue
    read -r size inodes < <(jq -r --arg n "$s" 'select(.name == $n) | "\(.size) \(.inodes)"' "$lines")
    jq -cn --arg s "$s" --arg name "$(translated_text "SYSROOT_TITLE_$k" en)" --arg desc "$(translated_text "SYSROOT_DESC_$k" en)" \
      --arg arch "$arch" --argjson size "$size" --argjson inodes "$inodes" --arg date "$(date -u +%Y%m%d)" \
      '{name: (if $name == "" then $s else $name end), "name-tr": "\($s)-name", retro: false,
        description: $desc, "description-tr": "\($s)-description", "dir-name": $s, tarballs: [],
        squashfs: [{arch: $arch, downloadSize: 0, instSize: $size, path: "/run/livekit/sysroots/\($s)",
                    sha256sum: "", inodes: $inodes, date: $date}]}' >>"$variants"
  done
  jq -s --arg title "$(translated_text BULLETIN_TITLE en)" --arg body "$(translated_text BULLETIN_BODY en)" \
    '{ver: 1, bulletin: {type: "info", title: $title, "title-tr": "bulletin-title", body: $body, "body-tr": "bulletin-body"},
      variants: ., mirrors: []}' "$variants" >"$dir/recipe.json.partial"
  local args=()
  for lang in en zh_CN zh_TW; do
    args+=(--arg "${lang/_/-}" "$(
      {
        for s in "${order[@]}"; do
          k=$(key_of "$s")
          for key in name description; do
            if [ "$key" = name ]; then v="SYSROOT_TITLE_$k"; else v="SYSROOT_DESC_$k"; fi
            jq -cn --arg k "$s-$key" --arg t "$(translated_text "$v" "$lang")" '{($k): $t}'
          done
        done
        jq -cn --arg t "$(translated_text BULLETIN_TITLE "$lang")" --arg b "$(translated_text BULLETIN_BODY "$lang")" \
          '{"bulletin-title": $t, "bulletin-body": $b}'
      } | jq -cs 'add'
    )")
  done
  jq -n '$ARGS.named | map_values(fromjson)' "${args[@]}" >"$dir/recipe-i18n.json.partial"
  mv -f "$dir/recipe.json.partial" "$dir/recipe.json"
  mv -f "$dir/recipe-i18n.json.partial" "$dir/recipe-i18n.json"
}
