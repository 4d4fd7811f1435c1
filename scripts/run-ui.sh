#!/usr/bin/env bash
# Starts the graphical installer. With Electron installed: builds the renderer and the shell, then runs
# Electron (which starts the engine through pkexec when not root). Without Electron (these machines cannot
# download it): runs `livekit serve --demo` and prints the URL to open in a browser.
# Usage: scripts/run-ui.sh [extra `livekit serve` options, e.g. --cmdline-file FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

# The `electron` npm package reports where its binary should be; the binary itself comes from a
# download that fails on machines without GitHub access, leaving only the package's stub on PATH.
# Use Electron only when that binary is really there and runs.
electron_bin=$(node -e 'try { process.stdout.write(require("electron")) } catch {}' 2>/dev/null || true)
if [ -n "$electron_bin" ] && ! { [ -x "$electron_bin" ] && "$electron_bin" --version >/dev/null 2>&1; }; then
  electron_bin=""
fi

npx vite build --config renderer/vite.config.ts --logLevel warn

if [ -n "$electron_bin" ]; then
  npx vite build --config electron/main/vite.config.ts --logLevel warn
  npx vite build --config electron/main/vite.config.ts --mode preload --logLevel warn
  export LIVEKIT_BIN="$PWD/bin/livekit"
  exec "$electron_bin" dist/electron/main/index.js --demo "$@"
fi

echo "run-ui: Electron is not installed here; starting the engine service for a browser instead." >&2
echo "run-ui: open the URL printed below (e.g. chromium --app=URL); Ctrl-C stops it and cleans up." >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "run-ui: the demo mounts its medium and installs into loop-attached image files: run as root." >&2
  exit 1
fi
exec ./bin/livekit serve --demo "$@"
