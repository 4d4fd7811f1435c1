#!/usr/bin/env bash
# Gettext for the GRUB menus.
#   mklocales.sh --pot          re-extract locales/grub/livekit-grub.pot from the $"..." strings
#                               of scripts/grub/*.cfg (xgettext, shell language)
#   mklocales.sh --mo DIR       compile locales/grub/<lang>.po into DIR/<lang>.mo, the layout GRUB
#                               reads through secondary_locale_dir (<dir>/<lang>.mo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
locales="$here/../../locales/grub"

case "${1:-}" in
  --pot)
    # Relative paths keep the references stable; GRUB's $"..." is exactly what xgettext's shell
    # parser looks for, so its "deprecated in Bash" warning does not apply here.
    (cd "$here/../.." && xgettext --language=Shell --from-code=UTF-8 --package-name=livekit-grub \
      --msgid-bugs-address=https://github.com/livekit --add-comments=TRANSLATORS: \
      --sort-by-file -o locales/grub/livekit-grub.pot scripts/grub/grub.cfg scripts/grub/boot.cfg) \
      2> >(grep -v 'is deprecated due to security reasons' >&2)
    # Keep the .pot reproducible: drop the creation date xgettext stamps into the header.
    sed -i '/^"POT-Creation-Date:/d' "$locales/livekit-grub.pot"
    ;;
  --mo)
    out=${2:?usage: mklocales.sh --mo DIR}
    mkdir -p "$out"
    for po in "$locales"/*.po; do
      lang=$(basename "$po" .po)
      msgfmt --check -o "$out/$lang.mo" "$po"
    done
    ;;
  *) echo "usage: mklocales.sh --pot | --mo DIR" >&2; exit 2 ;;
esac
