#!/usr/bin/env bash
# Builds the hybrid LiveKit image: one file that boots as an ISO (El Torito) and, written to a USB
# stick, as a disk (MBR/GPT hybrid), on BIOS (i386-pc) and UEFI (x86_64-efi), via grub-mkrescue.
# The image carries the medium's livekit/ directory, /boot/vmlinuz, /boot/initrd.img and
# /boot/grub with the language menu, the translated boot menu, the .mo catalogues and the font.
#
# usage: mkimage.sh --medium DIR --out FILE [--kernel FILE --initrd FILE] [--label LABEL] [--iso]
#                   [--serial] [--timeout SECONDS] [--cmdline 'extra kernel args'] [--aosc]
#   --kernel/--initrd  default: the boot kit's kernel and a systemd initramfs built by mkinitrd.sh
#   --medium   the medium's root (holding livekit/livekit.conf)
#   --label    ISO9660 volume id, matched by root=livekit:CDLABEL=<label> (default LIVEKIT)
#   --iso      accepted for clarity: the output is always the hybrid image, valid as an ISO
#   --serial   GRUB and the kernel also use the first serial port (tests)
#   --aosc     GRUB's menu boots with root=aosc-livekit:CDLABEL=<label> (AOSC OS LiveKit's form)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
grubsrc="$here/../../grub"

medium='' kernel='' initrd='' out='' label=LIVEKIT menu_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --medium) medium=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --iso) shift ;;
    --serial | --aosc) menu_args+=("$1"); shift ;;
    --timeout | --cmdline | --default-lang) menu_args+=("$1" "$2"); shift 2 ;;
    *) echo "mkimage: unknown argument: $1" >&2; exit 2 ;;
  esac
done
for v in medium out; do
  [ -n "${!v}" ] || { echo "mkimage: --$v is required" >&2; exit 2; }
done
[ -f "$medium/livekit/livekit.conf" ] || { echo "mkimage: $medium/livekit/livekit.conf not found" >&2; exit 1; }
stage=$(mktemp -d /tmp/livekit-mkimage.XXXXXX)
trap 'rm -rf --one-file-system "$stage"' EXIT
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
  kernel="$stage/vmlinuz" initrd="$stage/initrd.img"
  bash "$here/mkinitrd.sh" --systemd --out "$initrd" --kernel-out "$kernel"
fi
for f in "$kernel" "$initrd"; do [ -f "$f" ] || { echo "mkimage: $f not found" >&2; exit 1; }; done
# ISO9660 volume ids: up to 32 characters; keep to what udev's by-label names carry unescaped.
[[ "$label" =~ ^[A-Za-z0-9_-]{1,32}$ ]] || { echo "mkimage: bad label '$label'" >&2; exit 1; }

# The image's tree (only what goes into the image: logs stay beside it, in $stage).
tree="$stage/tree"
mkdir -p "$tree/boot/grub/locale/livekit"
mv_or_cp() { if [[ "$1" == "$stage"/* ]]; then mv "$1" "$2"; else cp "$1" "$2"; fi; }
mv_or_cp "$kernel" "$tree/boot/vmlinuz"
mv_or_cp "$initrd" "$tree/boot/initrd.img"
cp "$grubsrc/grub.cfg" "$grubsrc/boot.cfg" "$tree/boot/grub/"
bash "$grubsrc/mkmenu.sh" --medium "$medium" --out "$tree/boot/grub" --label "$label" "${menu_args[@]}"
bash "$grubsrc/mklocales.sh" --mo "$tree/boot/grub/locale/livekit"

manifest_map=()
[ ! -d "$medium/manifest" ] || manifest_map=(-map "$medium/manifest" /manifest)
start=$(date +%s%N)
mkdir -p "$(dirname "$out")"
# The medium's livekit/ (and manifest/, for AOSC's installer) is mapped in from where it is (no copy of the layer images; build stamps of
# older mklive versions, *.hash, stay out). grub-mkrescue adds the BIOS and EFI boot images, GRUB's
# modules, its own locales and the unicode font, whose glyphs cover the CJK block (test/boot checks).
# -hfsplus off: with an HFS+ side (for Macs) a disk-booted medium was probed and mounted as HFS+.
grub-mkrescue -o "$out" --fonts=unicode --themes= --locales="zh_CN zh_TW" --compress=xz \
  "$tree" -- -volid "$label" -hfsplus off -not_leaf '*.hash' -map "$medium/livekit" /livekit "${manifest_map[@]}" >"$stage/mkrescue.log" 2>&1 ||
  { cat "$stage/mkrescue.log" >&2; exit 1; }
ms=$((($(date +%s%N) - start) / 1000000))
echo "mkimage: $out ($(stat -c %s "$out") bytes, label $label) in $((ms / 1000)).$((ms % 1000 / 100)) s" >&2
