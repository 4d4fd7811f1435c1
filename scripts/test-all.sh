#!/usr/bin/env bash
# Every test the project has: types, shell lint, then the vitest suites (unit, integration as root,
# boot module, QEMU boots, UI in Chromium). Suites that need root skip themselves, saying so, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"
npx tsc -p tsconfig.json
echo "== shellcheck"
bash scripts/lint-shell.sh
echo "== renderer: typecheck, translations, import boundary, build (the e2e tests serve this build)"
npx tsc -p renderer/tsconfig.json
npx tsx scripts/check-i18n.ts
npx tsx scripts/check-imports.ts
npx vite build --config renderer/vite.config.ts --logLevel warn
echo "== vitest"
npx vitest run "$@"
