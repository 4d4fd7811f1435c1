#!/usr/bin/env bash
# Every test the project has: types, shell lint, then the vitest suites (unit, integration as root,
# boot module, QEMU boots, UI in Chromium). Suites that need root skip themselves, saying so, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"
npx tsc -p tsconfig.json
echo "== shellcheck"
bash scripts/lint-shell.sh
echo "== vitest"
npx vitest run "$@"
