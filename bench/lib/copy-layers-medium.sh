#!/usr/bin/env bash
# Packs a real sysroot as a three-layer LiveKit medium for the copy benchmark, the way the build module
# layers it (each upper layer is a real overlay upper dir, index=off,metacopy=off,redirect_dir=on), plus
# the whole tree as one image (unsquashfs of it is the reference limit):
#   base     the tree without usr/share/{doc,man,locale}
#   docs     those three added back (an upper dir over base: plain additions, copied-up parents)
#   desktop  changes over both: whiteouts (docs of packages a-f), an opaque dir (man1 replaced), a
#            redirected dir (a locale renamed), replaced and copied-up files, new files
#   OUT/medium/livekit/{livekit.conf,base.squashfs,layers/*.squashfs}   OUT/full.squashfs
# usage: copy-layers-medium.sh SYSROOT OUT   (root; zstd; leaves nothing mounted)
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SYSROOT OUT" >&2; exit 2; }
src=$(readlink -f "$1")
out=$2
[ "$(id -u)" -eq 0 ] || { echo "copy-layers-medium: needs root" >&2; exit 1; }
mkdir -p "$out"
out=$(readlink -f "$out")
work=$(mktemp -d /var/tmp/lk-bench-medium.XXXXXX)
mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" || umount -l "${mounts[$i]}"; done
  rm -rf "$work"
}
trap cleanup EXIT

med=$out/medium/livekit
mkdir -p "$med/layers"
sq() { mksquashfs "$@" -comp zstd -noappend -quiet -no-progress >/dev/null; }

sq "$src" "$out/full.squashfs"
sq "$src" "$med/base.squashfs" -e usr/share/doc usr/share/man usr/share/locale

# mount_layer IMAGE DIR
mount_layer() { mkdir -p "$2"; mount -t squashfs -o ro,loop "$1" "$2"; mounts+=("$2"); }
# upper_over UPPER LOWERDIRS: an overlay for building a layer, at $work/ovl
upper_over() {
  mkdir -p "$1" "$work/ovl" "$work/w-$(basename "$1")"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$1,workdir=$work/w-$(basename "$1"),index=off,metacopy=off,redirect_dir=on" "$work/ovl"
  mounts+=("$work/ovl")
}
end_upper() { umount "$work/ovl"; unset 'mounts[-1]'; }

mount_layer "$med/base.squashfs" "$work/l/base"
upper_over "$work/docs" "$work/l/base"
cp -a "$src/usr/share/doc" "$src/usr/share/man" "$src/usr/share/locale" "$work/ovl/usr/share/"
end_upper
sq "$work/docs" "$med/layers/docs.squashfs"

mount_layer "$med/layers/docs.squashfs" "$work/l/docs"
upper_over "$work/desktop" "$work/l/docs:$work/l/base"
(
  cd "$work/ovl"
  rm -rf usr/share/doc/[a-f]*                                          # whiteouts
  rm -rf usr/share/man/man1 && mkdir usr/share/man/man1                # opaque
  cp -a "$src/usr/share/man/man1/." usr/share/man/man1/
  first_locale=$(find usr/share/locale -mindepth 1 -maxdepth 1 -type d | sort | head -1)
  mv "$first_locale" usr/share/locale/renamed-by-desktop               # redirect
  for f in etc/passwd etc/group etc/os-release etc/hostname; do [ -f "$f" ] && echo "# desktop" >> "$f"; done
  cp -a usr/lib/x86_64-linux-gnu/perl-base usr/lib/perl-desktop-copy 2>/dev/null || true
  for b in usr/bin/ls usr/bin/cp; do cp "$src/$b" "$b.new" && mv "$b.new" "$b"; done # replaced files
  mkdir -p usr/share/desktop && head -c 20000000 /dev/urandom > usr/share/desktop/wallpaper.raw
)
end_upper
sq "$work/desktop" "$med/layers/desktop.squashfs"

cat > "$med/livekit.conf" <<'EOF'
LAYERS=("base" "docs" "desktop")
SYSROOT_LAYERS=("desktop")
SYSROOT_DEP_desktop=("base" "docs" "desktop")
FSTYPE=squashfs
EOF
touch "$out/done"
