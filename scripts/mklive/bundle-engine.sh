#!/usr/bin/env bash
# Bundles the engine and CLI (electron/cli/main.ts) into one ES module, as the medium carries it
# (lib/installer.sh) and as the tests run it (test/unit/serve-runtimes.test.ts): plain node, no tsx, no
# node_modules. Usage: bundle-engine.sh OUTFILE   (run from anywhere; needs the repository's npm ci)
set -euo pipefail
out=$(realpath -m "$1")
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$repo"
node_modules/.bin/esbuild electron/cli/main.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out" --external:bufferutil --external:utf-8-validate --log-level=warning \
  "--banner:js=import { createRequire as __livekitRequire } from 'node:module'; const require = __livekitRequire(import.meta.url);"
