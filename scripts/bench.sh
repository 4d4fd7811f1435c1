#!/usr/bin/env bash
# `npm run bench`: every benchmark of the project, figures written to bench/RESULTS-*.md.
#   bench.sh            the copy stage (bench/copy.ts), then every other bench/*.sh
#   bench.sh copy       the copy stage only: a real sysroot in squashfs layers onto ext4, xfs, btrfs
#   bench.sh copy-small 100,000 tiny files (bench/copy-small.ts; LIVEKIT_BENCH_FILES, default 100000)
# LIVEKIT_BENCH_ROUNDS (default 2); the copy bench also takes LIVEKIT_BENCH_FS (default ext4,xfs,btrfs)
# and LIVEKIT_BENCH_MEDIUM (a built release medium, whose LIVEKIT_BENCH_SYSROOT, default desktop, it adds).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (loop devices, mounts)" >&2; exit 1; }
what=${1:-all}
case $what in
  copy | all) ;;
  copy-small) exec node --import tsx bench/copy-small.ts ;;
  *) echo "usage: $0 [copy|copy-small|all]" >&2; exit 2 ;;
esac

echo "== copy stage (bench/copy.ts)"
node --import tsx bench/copy.ts

[ "$what" = all ] || exit 0
for b in bench/*.sh; do
  [ -f "$b" ] || continue
  echo "== $b"
  bash "$b"
done
