# shellcheck shell=bash
# Packing a directory into a read-only image, and mounting one back. Runs as root so that the
# trusted.overlay.* xattrs (opaque dirs, redirects) are read and kept; whiteouts are char devices 0/0.

# pack_dir <dir> <image>: writes <image> atomically (temp file, then rename).
pack_dir() {
  local src=$1 out=$2 tmp="$2.partial"
  rm -f "$tmp"
  case $FSTYPE in
    squashfs)
      mksquashfs "$src" "$tmp" -comp "$COMP" -noappend -xattrs -no-progress -quiet >/dev/null ||
        die "mksquashfs failed for $src"
      ;;
    erofs)
      # erofs-utils here offers lz4/lz4hc only; the Debian 6.1 kernel reads both.
      mkfs.erofs --quiet -zlz4hc "$tmp" "$src" >/dev/null || die "mkfs.erofs failed for $src"
      ;;
    *) die "unknown FSTYPE $FSTYPE" ;;
  esac
  mv -f "$tmp" "$out"
}

# mount_image <image> <dir>: read-only loop mount (the loop device is released on unmount).
mount_image() {
  mkdir -p "$2"
  mount_tracked "$2" -t "$FSTYPE" -o ro,loop "$1"
}
