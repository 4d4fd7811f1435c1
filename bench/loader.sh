#!/usr/bin/env bash
# Benchmark of the medium (root): how long the boot module's loader takes to mount and compose
# everything for stacks of 2, 8 and 16 layers (host kernel, inside `unshare -m`), and the medium's
# size against separate per-variant images (tiny; debian too when a built debian medium is given).
# Writes bench/RESULTS-medium.md (and prints it).
#
# usage: bench/loader.sh [--runs N] [--debian DIR]   (DIR: the --out of a debian build with report.json;
#        default $LIVEKIT_DEBIAN_MEDIUM when set — scripts/bench.sh runs this without arguments)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
mklive="$repo/scripts/mklive/mklive"
loader="$repo/scripts/dracut/90livekit/livekit-loader.sh"
runs=10 debian=${LIVEKIT_DEBIAN_MEDIUM:-}
while [ "$#" -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --debian) debian=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--debian DIR]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/loader.sh: needs root (loop devices, mounts)" >&2; exit 1; }

cache=${LIVEKIT_BENCH_CACHE:-/var/tmp/livekit-bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$cache"

# One loader run in a private namespace; prints its wall time in ms.
time_loader() {
  local medium=$1 cmdline=$2
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare -m --propagation private bash -c '
    set -euo pipefail
    mkdir -p "$3/root"
    start=$(date +%s%N)
    "$1" --medium "$2" --newroot "$3/root" --run "$3/run" --cmdline "$4" 2>/dev/null
    echo $((($(date +%s%N) - start) / 1000000))' x "$loader" "$medium" "$tmp" "$cmdline"
}

# Packs the tree inside image $1 with each setting and prints markdown rows: size, pack time, and the
# time to read every file in a fixed random order from a fresh mount (the image file itself stays in
# the page cache, so this measures lookup + decompression, which is what the settings change).
# shellcheck disable=SC2016 # expanded by the inner shell
settings_rows() {
  unshare -m --propagation private bash -c '
    set -euo pipefail
    src=$1 t=$2
    mkdir -p "$t/src" "$t/m"
    mount -t "${src##*.}" -o ro,loop "$src" "$t/src"
    (cd "$t/src" && find . -type f | shuf --random-source=<(yes)) >"$t/files"
    echo "$(du -sb "$t/src" | cut -f1) bytes, $(wc -l <"$t/files") files"
    for s in "zstd -Xcompression-level 3 -b 128K" "zstd -Xcompression-level 15 -b 128K" "zstd -Xcompression-level 19 -b 1M"              "zstd -Xcompression-level 22 -b 1M" "xz -b 128K" "xz -b 1M" "lz4hc(erofs)"; do
      rm -f "$t/img"
      start=$(date +%s%N)
      if [ "$s" = "lz4hc(erofs)" ]; then mkfs.erofs --quiet -zlz4hc "$t/img" "$t/src" >/dev/null; fs=erofs
      else read -r comp rest <<<"$s"; read -ra extra <<<"$rest"; mksquashfs "$t/src" "$t/img" -comp "$comp" "${extra[@]}" -noappend -quiet -no-progress >/dev/null; fs=squashfs; fi
      pack=$((($(date +%s%N) - start) / 1000000))
      mount -t "$fs" -o ro,loop "$t/img" "$t/m"
      start=$(date +%s%N)
      (cd "$t/m" && xargs -d "\n" cat <"$t/files" >/dev/null)
      readms=$((($(date +%s%N) - start) / 1000000))
      umount "$t/m"
      echo "| $s | $(stat -c %s "$t/img") | $pack | $readms |"
    done
    rm -f "$t/img"' x "$1" "$tmp"
}

# median, min, max of numbers on stdin
stats() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%s %s %s\n", m, a[1], a[NR]}'; }

rows=()
for n in 2 8 16; do
  recipe="$cache/deep$n.recipe"
  "$repo/test/medium/deep-recipe.sh" "$((n - 1))" "$recipe"
  "$mklive" build --recipe "$recipe" --out "$cache/deep$n" --separate estimate >/dev/null 2>&1 ||
    { echo "bench: building the $n-layer medium failed" >&2; exit 1; }
  times=()
  for ((i = 0; i < runs; i++)); do times+=("$(time_loader "$cache/deep$n" "livekit.boot=deep")"); done
  read -r med min max < <(printf '%s\n' "${times[@]}" | stats)
  sysroots=$(grep -c '^SYSROOT_DEP_' "$cache/deep$n/livekit/livekit.conf")
  rows+=("| $n | $sysroots | $med | $min | $max |")
  echo "loader, $n layers: median $med ms (min $min, max $max) over $runs runs" >&2
done

if [ -n "$debian" ]; then
  # A real stack: the debian medium's desktop-nvidia (base + 3 layers + the Live template).
  times=()
  for ((i = 0; i < runs; i++)); do times+=("$(time_loader "$debian" "livekit.boot=desktop-nvidia")"); done
  read -r med min max < <(printf '%s\n' "${times[@]}" | stats)
  sysroots=$(grep -c '^SYSROOT_DEP_' "$debian/livekit/livekit.conf")
  rows+=("| 4 + template (debian desktop-nvidia, $(($(stat -c %s "$debian"/livekit/base.squashfs) / 1048576)) MiB base) | $sysroots | $med | $min | $max |")
fi

"$mklive" build --recipe tiny --out "$cache/tiny" --separate measure >/dev/null 2>&1
size_rows() {
  jq -r '
    "| \(.recipe) (\(.fstype)/\(.comp)) | \(.medium_bytes) | \(.separate_bytes) (\(.separate_method)) | \(.saving_bytes) (\((100 * .saving_bytes / .separate_bytes) | floor)%) |"' "$1"
}
size_table=("$(size_rows "$cache/tiny/report.json")")
if [ -n "$debian" ]; then size_table+=("$(size_rows "$debian/report.json")"); fi

settings_src="$cache/tiny/livekit/base.squashfs" settings_what="tiny base (busybox: too small to tell settings apart)"
if [ -n "$debian" ]; then
  settings_src="$debian/livekit/layers/desktop.squashfs" settings_what="debian desktop layer"
fi
echo "squashfs settings on $settings_what ..." >&2
mapfile -t settings < <(settings_rows "$settings_src")
tree_size=${settings[0]}
settings=("${settings[@]:1}")

out="$here/RESULTS-medium.md"
{
  echo "# Medium benchmark (bench/loader.sh)"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r), $(nproc) CPUs, shared machine; loader in host mode"
  echo "inside \`unshare -m\` (tmpfs, loop-mounted squashfs layers, every sysroot overlay, the Live root)."
  echo "Inside-QEMU timing: bench/boot.sh (RESULTS-boot.md)."
  echo
  echo "## Loader time against stack depth ($runs runs each, wall clock of the whole loader)"
  echo
  echo "| layers in the booted stack (base included) | sysroots composed | median ms | min ms | max ms |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Medium size against separate per-variant images"
  echo
  echo "| recipe | medium bytes (livekit/) | separate images bytes | saving |"
  echo "|---|---|---|---|"
  printf '%s\n' "${size_table[@]}"
  echo
  echo "\"measure\": each composed sysroot packed on its own with the same settings; \"estimate\": the sum"
  echo "of each sysroot's packed layers. Per-layer sizes: report.txt beside each built medium."
  echo
  echo "## Image settings on the $settings_what (unpacked: $tree_size)"
  echo
  echo "Read: every file once, in a fixed random order, from a fresh mount (the image itself stays in the"
  echo "page cache: this is lookup + decompression, the part the settings change). mklive uses zstd level 15, 128K."
  echo
  echo "| setting | bytes | pack ms | read ms |"
  echo "|---|---|---|---|"
  printf '%s\n' "${settings[@]}"
} >"$out"
cat "$out"
