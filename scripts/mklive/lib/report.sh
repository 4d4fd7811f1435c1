# shellcheck shell=bash
# Measuring composed sysroots and reporting what the layering saves against one image per variant.

file_bytes() { stat -c %s "$1"; }

# compose_sysroot <name>: mounts the composed (read-only) sysroot at $WORK/s/<name>.
compose_sysroot() {
  local stack=()
  mapfile -t stack < <(sysroot_stack "$1")
  overlay_ro "$WORK/s/$1" "${stack[@]}"
}

# measure_sysroot <name>: prints "<bytes> <inodes>" of a composed sysroot (apparent sizes; no -x:
# files in an overlay report their lower layer's device).
measure_sysroot() {
  local dir="$WORK/s/$1" bytes inodes
  bytes=$(du -sb "$dir" | cut -f1)
  inodes=$(find "$dir" | wc -l)
  printf '%s %s\n' "$bytes" "$inodes"
}

# separate_image_bytes <name>: packs the composed sysroot on its own (measured, not estimated).
separate_image_bytes() {
  local img="$WORK/separate.$FSTYPE" n
  pack_dir "$WORK/s/$1" "$img"
  n=$(file_bytes "$img")
  rm -f "$img"
  printf '%s' "$n"
}

# stack_bytes <name>: the sum of the sysroot's packed layers (the estimate when not measured).
stack_bytes() {
  local total=0 l
  while read -r l; do total=$((total + $(file_bytes "$(layer_image "$l")"))); done < <(sysroot_stack "$1")
  printf '%s' "$total"
}

# write_report <json file> <text file> <sysroot json lines file> <built units...>
write_report() {
  local json=$1 text=$2 sysjson=$3
  shift 3
  local entries=() l f s
  for l in base "${LAYERS[@]}"; do
    f=$(layer_image "$l")
    entries+=("$(jq -cn --arg n "$l" --arg f "${f#"$OUT"/}" --argjson b "$(file_bytes "$f")" '{kind:"layer",name:$n,file:$f,bytes:$b}')")
  done
  for s in "${SYSROOTS[@]}"; do
    has_template "$s" || continue
    f=$(template_image "$s")
    entries+=("$(jq -cn --arg n "$s" --arg f "${f#"$OUT"/}" --argjson b "$(file_bytes "$f")" '{kind:"template",name:$n,file:$f,bytes:$b}')")
  done
  local total
  total=$(find "$OUT/livekit" -type f ! -name '*.hash' -printf '%s\n' | awk '{t+=$1} END {print t+0}')
  printf '%s\n' "${entries[@]}" | jq -s --argjson total "$total" --arg recipe "$(basename "$RECIPE_FILE" .recipe)" \
    --arg fstype "$FSTYPE" --arg comp "$COMP" --slurpfile sys "$sysjson" --argjson built "$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')" \
    --arg separate "$SEPARATE" '
    {recipe: $recipe, fstype: $fstype, comp: (if $fstype == "erofs" then "lz4hc" else $comp end),
     built: $built, files: ., medium_bytes: $total,
     sysroots: $sys,
     separate_method: $separate,
     separate_bytes: ($sys | map(.separate_bytes) | add),
     saving_bytes: (($sys | map(.separate_bytes) | add) - $total)}' >"$json.partial"
  mv -f "$json.partial" "$json"
  jq -r '
    "LiveKit medium report (recipe \(.recipe), \(.fstype)/\(.comp))",
    "rebuilt: \(if (.built|length) == 0 then "nothing (all up to date)" else (.built|join(" ")) end)",
    "",
    (.files[] | "  \(.kind) \(.name): \(.bytes) bytes"),
    "medium total (livekit/): \(.medium_bytes) bytes",
    "",
    "separate per-variant images (\(.separate_method)):",
    (.sysroots[] | "  \(.name): \(.separate_bytes) bytes (composed tree \(.size) bytes, \(.inodes) inodes)"),
    "separate total: \(.separate_bytes) bytes; layering saves \(.saving_bytes) bytes (\((100 * .saving_bytes / .separate_bytes) | floor)%)"
  ' "$json" >"$text"
}

# measure_all <lines file>: one JSON line per sysroot {name,size,inodes,separate_bytes}. Composing
# and (with --separate measure) packing every sysroot is the slow part of a no-op build, so the
# lines are kept in $OUT/.measure.* and reused while the units and stacks are unchanged.
measure_all() {
  local lines=$1 key s size inodes sep stack=()
  key=$(
    for s in "${!MKLIVE_HASH[@]}"; do printf '%s %s\n' "$s" "${MKLIVE_HASH[$s]}"; done | sort
    printf 'separate=%s\n' "$SEPARATE"
    for s in "${SYSROOTS[@]}"; do mapfile -t stack < <(sysroot_stack "$s"); printf '%s: %s\n' "$s" "${stack[*]}"; done
  )
  key=$(printf '%s' "$key" | sha256_of_stdin)
  if [ -f "$OUT/.measure.lines" ] && [ "$(cat "$OUT/.measure.key" 2>/dev/null)" = "$key" ]; then
    log "sysroot sizes: unchanged, reusing the last measurement"
    cp "$OUT/.measure.lines" "$lines"
    return 0
  fi
  : >"$lines"
  for s in "${SYSROOTS[@]}"; do
    compose_sysroot "$s"
    read -r size inodes < <(measure_sysroot "$s")
    if [ "$SEPARATE" = measure ]; then sep=$(separate_image_bytes "$s"); else sep=$(stack_bytes "$s"); fi
    jq -cn --arg n "$s" --argjson size "$size" --argjson inodes "$inodes" --argjson sep "$sep" \
      '{name:$n,size:$size,inodes:$inodes,separate_bytes:$sep}' >>"$lines"
  done
  cp "$lines" "$OUT/.measure.lines"
  printf '%s\n' "$key" >"$OUT/.measure.key"
}

# write_sysroots_json <lines file>: livekit/sysroots.json from the recipe's texts and the measurement.
write_sysroots_json() {
  local lines=$1 s size inodes meta="$WORK/sysroots.meta"
  : >"$meta"
  for s in "${SYSROOTS[@]}"; do
    read -r size inodes < <(jq -r --arg n "$s" 'select(.name == $n) | "\(.size) \(.inodes)"' "$lines")
    sysroot_json "$s" "$size" "$inodes" >>"$meta"
  done
  jq -s 'add' "$meta" >"$OUT/livekit/sysroots.json.partial"
  mv -f "$OUT/livekit/sysroots.json.partial" "$OUT/livekit/sysroots.json"
}
