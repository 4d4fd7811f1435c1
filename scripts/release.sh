#!/usr/bin/env bash
# Builds the release medium (recipe `release`: MATE Live session with the installer, server, NVIDIA,
# Wine) and its hybrid BIOS/UEFI image, then reports the build time and the layer and variant sizes
# against separate per-variant images (measured: each composed sysroot packed on its own).
# Reuses the caches (debootstrap tarball, boot kit, Node runtime) and OUT's per-layer stamps: a
# rebuild redoes only what changed. Needs root and Debian's mirror.
# usage: scripts/release.sh [OUT]   (default /var/tmp/livekit-release; the image is OUT/livekit-release.img)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/var/tmp/livekit-release}
mkdir -p "$out"
start=$(date +%s)
scripts/mklive/mklive build --recipe release --out "$out/medium" --separate measure --image "$out/livekit-release.img"
seconds=$(($(date +%s) - start))
echo
echo "release: built in $seconds s"
echo "release: image $out/livekit-release.img, $(stat -c %s "$out/livekit-release.img") bytes"
echo "release: report $out/medium/report.txt (sizes above)"
