#!/usr/bin/env bash
# Boot benchmarks (issue #3), figures written to bench/RESULTS-boot.md:
#  1. loader: time the LiveKit loader spends mounting and composing everything inside QEMU (TCG),
#     for media of 2, 8 and 16 stacked layers (test/medium/deep-recipe.sh), as the loader itself
#     logs it ("LiveKit: booting <sysroot> (N layers) in M ms"), plus the guest's uptime when the
#     Live root's init starts;
#  2. squashfs: mksquashfs settings (zstd levels 3/15/19, block sizes 128K/1M, against xz) on the
#     size, build time and random-read time of a sample tree (binaries and libraries of the boot kit).
# usage: bench/boot.sh [--loader-only | --squashfs-only] [--layers "2 8 16"] [--runs N] [--out FILE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
image_dir="$repo/scripts/mklive/image"
out="$repo/bench/RESULTS-boot.md"
layers_list="2 8 16" do_loader=1 do_squashfs=1 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --loader-only) do_squashfs=0; shift ;;
    --squashfs-only) do_loader=0; shift ;;
    --layers) layers_list=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "bench/boot: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/boot: needs root (mklive, loop mounts, boot kit)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/livekit-bench-boot.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
say() { echo "bench/boot: $*" >&2; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# The initramfs the QEMU tests use (systemd or shell init), from their cache (test/boot/helpers/kit.ts
# builds it on a miss), so a bench after the tests builds none.
initrd_for_bench() {
  (cd "$repo" && npx tsx --eval "import('./test/boot/helpers/kit.ts').then(async (k) => console.log(await k.testInitrd('$1')))")
}

# median of numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

loader_rows=() timing_rows=()
bench_loader() {
  local kernel n recipe medium iso log line flavour initrd run walls cpus uptimes mounts timings timing uevents wall_median
  kernel=$(bash "$image_dir/bootkit.sh" --print-kernel)
  declare -A initrds=([systemd]=$(initrd_for_bench systemd) [shell]=$(initrd_for_bench shell))
  for n in $layers_list; do
    recipe="$work/deep-$n.recipe" medium="$work/deep-$n" iso="$work/deep-$n.iso"
    bash "$repo/test/medium/deep-recipe.sh" "$n" "$recipe"
    say "building a medium of $n layers"
    "$repo/scripts/mklive/mklive" build --recipe "$recipe" --out "$medium" --separate estimate >/dev/null
    # An ISO 9660 filesystem, as on the USB stick mkimage writes, on a virtio disk.
    xorriso -as mkisofs -quiet -V LKBENCH -R -J -o "$iso" "$medium" 2>/dev/null
    for flavour in systemd shell; do
      initrd=${initrds[$flavour]} walls=() cpus=() uptimes=() mounts=() timings=() uevents=
      for ((run = 1; run <= runs; run++)); do
        log="$work/deep-$n-$flavour-$run.serial"
        say "booting it in QEMU (TCG, $flavour initramfs, run $run/$runs)"
        timeout 300 qemu-system-x86_64 -accel tcg -m 1536 -smp 1 -nodefaults -display none -no-reboot \
          -serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
          -append "root=livekit:CDLABEL=LKBENCH console=ttyS0,115200 livekit.report init=/livekit-report panic=1 rd.shell=0 livekit.timing" \
          -drive "if=virtio,format=raw,readonly=on,file=$iso" || true
        line=$(tr -d '\r' <"$log" | grep -ao 'LiveKit: booting [^ ]* ([0-9]* layers[^)]*) in [0-9]* ms (CPU [0-9]* ms)' | tail -n1 || true)
        [ -n "$line" ] || { say "no loader timing in $log"; tail -n 30 "$log" >&2; exit 1; }
        timing=$(tr -d '\r' <"$log" | grep -ao 'LiveKit: timing: .* uevents during the mounts' | tail -n1 || true)
        walls+=("$(sed -E 's/.* in ([0-9]+) ms .*/\1/' <<<"$line")")
        mounts+=("$(sed -nE 's/.* mounts ([0-9]+) ms.*/\1/p' <<<"$timing")")
        uevents=$(sed -nE 's/.*; ([0-9]+) uevents.*/\1/p' <<<"$timing")
        timings+=("${walls[-1]} ${timing#LiveKit: timing: }")
        cpus+=("$(sed -E 's/.*\(CPU ([0-9]+) ms\)/\1/' <<<"$line")")
        uptimes+=("$(tr -d '\r' <"$log" | grep -ao '^uptime=[0-9.]*' | head -n1 | cut -d= -f2)")
        say "$n layers, $flavour: $line"
      done
      wall_median=$(printf '%s\n' "${walls[@]}" | median)
      loader_rows+=("| $n | $(sed -E 's/.*\(([0-9]+) layers.*/\1/' <<<"$line") | $flavour | $wall_median | $(IFS=' '; echo "${walls[*]}") | $(printf '%s\n' "${mounts[@]}" | median) | $uevents | $(printf '%s\n' "${cpus[@]}" | median) | $(printf '%s\n' "${uptimes[@]}" | sort -n | head -n1) |")
      # The phases of the run closest to the median.
      timing_rows+=("- $n layers, $flavour: $(printf '%s\n' "${timings[@]}" | awk -v m="$wall_median" '{d = $1 - m; if (d < 0) d = -d; if (best == "" || d < bd) {bd = d; $1 = ""; best = $0}} END {sub(/^ /, "", best); print best}')")
    done
  done
}

squashfs_rows=()
bench_squashfs() {
  local kit sample comp level block img t0 build_ms size read_ms
  kit=$(bash "$image_dir/bootkit.sh")
  sample=("$kit/usr/bin" "$kit/usr/lib/x86_64-linux-gnu")
  local sample_bytes
  sample_bytes=$(du -scb "${sample[@]}" | tail -n1 | cut -f1)
  # A fixed pseudo-random choice of 400 files, the same for every image.
  (cd "$kit/usr" && find bin lib/x86_64-linux-gnu -type f -size +0) | sort |
    awk 'BEGIN { srand(42) } { print rand() "\t" $0 }' | sort | cut -f2 | head -n 400 |
    sed -E 's,^lib/x86_64-linux-gnu/,x86_64-linux-gnu/,' >"$work/files"
  for cfg in "zstd 3 128K" "zstd 15 128K" "zstd 19 128K" "zstd 3 1M" "zstd 15 1M" "zstd 19 1M" "xz - 128K" "xz - 1M"; do
    read -r comp level block <<<"$cfg"
    img="$work/sample.sqfs"
    rm -f "$img"
    local opts=(-comp "$comp" -b "$block" -noappend -quiet -no-progress)
    [ "$comp" = xz ] || opts+=(-Xcompression-level "$level")
    t0=$(date +%s%N)
    mksquashfs "${sample[@]}" "$img" "${opts[@]}" >/dev/null
    build_ms=$(ms_since "$t0")
    size=$(stat -c %s "$img")
    # Read the sample through a fresh mount each time (empty squashfs caches: every read
    # decompresses); the best of 5 rounds, since the host is shared and noisy.
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    read_ms=$(unshare -m --propagation private bash -euo pipefail -c '
      mkdir -p "$2/mnt"; best=
      for _ in 1 2 3 4 5; do
        mount -t squashfs -o ro,loop "$1" "$2/mnt"
        t0=$(date +%s%N)
        (cd "$2/mnt" && xargs -d "\n" cat <"$2/files" >/dev/null)
        ms=$((($(date +%s%N) - t0) / 1000000))
        umount "$2/mnt"
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
      done
      echo "$best"' _ "$img" "$work")
    squashfs_rows+=("| $comp | ${level/-/default} | $block | $size | $((size * 100 / sample_bytes))% | $build_ms | $read_ms |")
    say "squashfs $cfg: $size bytes, built in $build_ms ms, 400 random files read in $read_ms ms"
  done
  SAMPLE_DESC="$(du -sh "${sample[@]}" | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}' | sed "s,$kit,,g") ($sample_bytes bytes)"
}

[ "$do_loader" = 0 ] || bench_loader
[ "$do_squashfs" = 0 ] || bench_squashfs

{
  echo "# Boot benchmarks"
  echo
  echo "Measured by \`bench/boot.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), host kernel $(uname -r)."
  if [ "$do_loader" = 1 ]; then
    echo
    echo "## Loader: mounting and composing inside QEMU (TCG, 1 vCPU, Debian 6.1 kernel)"
    echo
    echo "The loader's own figures (\`LiveKit: booting <sysroot> (N layers) in M ms (CPU C ms)\`): wall time"
    echo "from the loader's first line to the Live root with every layer and sysroot mounted, and the CPU"
    echo "time of the loader and the programs it started (Bash's \`times\`, tick-based under emulation)."
    echo "With \`livekit.timing\` the loader also says where the time went; \`mounts\` is its one \`mount -a\`"
    echo "of every layer, sysroot and the Live root, and the uevents are those the kernel sent meanwhile"
    echo "(udev, and with the systemd initramfs PID 1, take their turn on the one emulated CPU for each)."
    echo "Medium: \`test/medium/deep-recipe.sh N\` built by mklive, as an ISO 9660 image on a virtio disk;"
    echo "$runs runs per row (a shared 2-core host: expect noise)."
    echo
    echo "| layers in the recipe | layers in the booted sysroot | initramfs | wall ms (median) | wall ms (each run) | mounts ms (median) | uevents | CPU ms (median) | guest uptime at init (s, best) |"
    echo "|---:|---:|---|---:|---|---:|---:|---:|---:|"
    printf '%s\n' "${loader_rows[@]}"
    echo
    echo "Where the time went (\`livekit.timing\`, the run closest to each median):"
    echo
    printf '%s\n' "${timing_rows[@]}"
  fi
  if [ "$do_squashfs" = 1 ]; then
    echo
    echo "## mksquashfs settings"
    echo
    echo "Sample tree: the boot kit's ${SAMPLE_DESC}. Read time: 400 fixed pseudo-random files read"
    echo "with \`cat\` through a fresh loop mount, best of 5 rounds (squashfs caches empty; the image file"
    echo "itself is in the host page cache, so the figure is decompression cost, not disk speed). Build"
    echo "time: mksquashfs on all cores of a host shared with other jobs (relative figures only)."
    echo
    echo "| comp | level | block | bytes | of tree | build ms | random read ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${squashfs_rows[@]}"
  fi
} >"$out"
say "wrote $out"
