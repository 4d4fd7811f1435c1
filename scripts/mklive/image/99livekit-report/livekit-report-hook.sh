#!/bin/sh
# pre-pivot hook: copy the report init into the (writable) Live root when the test asks for it.
# shellcheck disable=SC1091 # dracut-lib.sh exists only inside the initramfs
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh
# shellcheck disable=SC2154 # NEWROOT is set by dracut
if getargbool 0 livekit.report; then
  cp /usr/lib/livekit/livekit-report "$NEWROOT/livekit-report"
  chmod 0755 "$NEWROOT/livekit-report"
fi
