#!/bin/sh
# pre-udev hook: a udev rule that queues the loader once the medium's device (or its symlink) appears.
# The loader is handed udev's $devnode (the kernel's node, e.g. /dev/vda1), not the symlink: a label's
# escapes (`\x20` for a space) do not survive udev's parsing of the RUN string (`\x` became `x`).

[ -e /tmp/livekit.root ] || return 0
{ read -r _; read -r livekit_dev; } < /tmp/livekit.root
case "$livekit_dev" in
    /dev/*)
        # shellcheck disable=SC2016 # $devnode is udev's, not the shell's
        {
            printf 'KERNEL=="%s", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader $devnode"\n' \
                "${livekit_dev#/dev/}"
            printf 'SYMLINK=="%s", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader $devnode"\n' \
                "${livekit_dev#/dev/}"
        } >> /etc/udev/rules.d/90-livekit.rules
        wait_for_dev -n "$livekit_dev"
        ;;
esac
return 0
