#!/bin/sh
# cmdline hook: root=livekit:<spec> (or AOSC's root=aosc-livekit:<spec>) → wait for the medium's
# device; the udev rule (pre-udev hook) queues the loader when it appears. Sourced by dracut: uses
# return, not exit.
# shellcheck disable=SC2034,SC2154 # rootok and root are read by dracut; hookdir comes from dracut-lib

[ -z "${root:-}" ] && root=$(getarg root=)
case "$root" in
    livekit:*) livekit_spec=${root#livekit:} ;;
    aosc-livekit:*) livekit_spec=${root#aosc-livekit:} ;;
    *) return 0 ;;
esac

# shellcheck source=livekit-lib.sh
. /lib/livekit-lib.sh
if ! livekit_dev=$(livekit_spec_to_dev "$livekit_spec"); then
    die "LiveKit: root=$root: expected livekit: or aosc-livekit: then CDLABEL=, LABEL=, UUID=, PARTUUID=, PARTLABEL= or a /dev path"
fi
printf '%s\n%s\n' "$livekit_spec" "$livekit_dev" > "$LIVEKIT_ROOT_FILE"
root="livekit:$livekit_dev"
rootok=1
info "LiveKit: waiting for the medium $livekit_spec ($livekit_dev)"
# Load what the loader needs while the medium's device is still being found (USB takes seconds), not
# in the loader's path: the loop driver, the layers' filesystem, overlayfs and the ISO's filesystem.
# In the background: dracut-cmdline.service keeps it (KillMode=process), the shell init does too.
modprobe -a -q -b loop squashfs overlay isofs >/dev/null 2>&1 &
# The initqueue is finished when the loader has composed the Live root (its last step writes this).
echo '[ -e /run/livekit/boot-target ]' > "$hookdir/initqueue/finished/90-livekit.sh"
return 0
