#!/bin/sh
# cmdline hook: root=livekit:<spec> → wait for the medium's device; the udev rule (pre-udev hook)
# queues the loader when it appears. Sourced by dracut: uses return, not exit.
# shellcheck disable=SC2034 # rootok and root are read by dracut

[ -z "${root:-}" ] && root=$(getarg root=)
case "$root" in
    livekit:*) ;;
    *) return 0 ;;
esac

# shellcheck source=livekit-lib.sh
. /lib/livekit-lib.sh
livekit_spec=${root#livekit:}
if ! livekit_dev=$(livekit_spec_to_dev "$livekit_spec"); then
    die "LiveKit: root=$root: expected livekit:CDLABEL=, LABEL=, UUID=, PARTUUID=, PARTLABEL= or a /dev path"
fi
printf '%s\n%s\n' "$livekit_spec" "$livekit_dev" > "$LIVEKIT_ROOT_FILE"
root="livekit:$livekit_dev"
rootok=1
info "LiveKit: waiting for the medium $livekit_spec ($livekit_dev)"
# The loader ends with `ln -s null /dev/root`: the initqueue is finished when that exists.
wait_for_dev -n /dev/root
return 0
