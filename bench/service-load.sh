#!/usr/bin/env bash
# The service under load (run by scripts/bench.sh with every bench/*.sh): 200 concurrent facts requests,
# the cache, password export bounds. Figures: bench/RESULTS-service-load.md. LIVEKIT_BENCH_ROUNDS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx bench/service-load.ts
