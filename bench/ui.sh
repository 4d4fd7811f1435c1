#!/usr/bin/env bash
# UI benchmark (run by scripts/bench.sh with every bench/*.sh): time from opening the URL to an interactive
# first page with 16 disks and 8 sysroots, and the renderer's gzip bundle size. Figures: bench/RESULTS-ui.md.
# LIVEKIT_BENCH_UI_RUNS sets the number of cold-browser runs (default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx bench/ui-bench.ts "${LIVEKIT_BENCH_UI_RUNS:-15}"
