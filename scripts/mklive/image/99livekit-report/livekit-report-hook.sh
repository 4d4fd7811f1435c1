#!/bin/sh
# pre-pivot hook: copy the report init into the (writable) Live root when the test asks for it.
# shellcheck disable=SC1091 # dracut-lib.sh exists only inside the initramfs
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh
# shellcheck disable=SC2154 # NEWROOT is set by dracut
if getargbool 0 livekit.report; then
  cp /usr/lib/livekit/livekit-report "$NEWROOT/livekit-report"
  chmod 0755 "$NEWROOT/livekit-report"
  # The layers' loop devices in udev's database, read here because the database is cleaned before
  # switch-root: marked by 01-livekit-layers.rules, not probed (no ID_FS_TYPE), no systemd tag.
  udevadm settle --timeout=60 >/dev/null 2>&1 || true
  for f in /sys/block/loop*/loop/backing_file; do
    [ -e "$f" ] || continue
    read -r backing <"$f"
    case "$backing" in /run/livekit/*) ;; *) continue ;; esac
    read -r dev <"${f%/loop/backing_file}/dev"
    marked=no probed=no tagged=no
    if [ -f "/run/udev/data/b$dev" ]; then
      while read -r line; do
        case "$line" in
          E:LIVEKIT_LAYER=1) marked=yes ;;
          E:ID_FS_TYPE=*) probed=yes ;;
          G:systemd | Q:systemd) tagged=yes ;;
        esac
      done <"/run/udev/data/b$dev"
    else marked=no-entry
    fi
    echo "layer-loop=${backing##*/} marked=$marked probed=$probed systemd-tag=$tagged"
  done >"$NEWROOT/livekit-report-udev"
fi
