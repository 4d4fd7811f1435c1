#!/bin/sh
# pre-udev hook: a udev rule that queues the loader once the medium's device (or its symlink) appears.

[ -e /tmp/livekit.root ] || return 0
{ read -r _; read -r livekit_dev; } < /tmp/livekit.root
case "$livekit_dev" in
    /dev/*)
        {
            printf 'KERNEL=="%s", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader %s"\n' \
                "${livekit_dev#/dev/}" "$livekit_dev"
            printf 'SYMLINK=="%s", RUN+="/sbin/initqueue --settled --onetime --unique /sbin/livekit-loader %s"\n' \
                "${livekit_dev#/dev/}" "$livekit_dev"
        } >> /etc/udev/rules.d/90-livekit.rules
        wait_for_dev -n "$livekit_dev"
        ;;
esac
return 0
