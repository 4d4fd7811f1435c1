#!/bin/sh
# Pure helpers shared by the LiveKit hooks (POSIX sh: the cmdline and pre-udev hooks are sourced by
# dracut's shell). No dracut functions here, so the host tests can run them as they are.

# livekit_spec_to_dev <spec>: the device path udev creates for a medium spec from
# root=livekit:<spec> (CDLABEL=, LABEL=, UUID=, PARTUUID=, PARTLABEL= or /dev/...). Fails on anything else.
livekit_spec_to_dev() {
    case "$1" in
        CDLABEL=?* | LABEL=?*)
            printf '/dev/disk/by-label/%s\n' "$(printf '%s' "${1#*=}" | sed 's,/,\\x2f,g;s, ,\\x20,g')"
            ;;
        PARTLABEL=?*)
            printf '/dev/disk/by-partlabel/%s\n' "$(printf '%s' "${1#*=}" | sed 's,/,\\x2f,g;s, ,\\x20,g')"
            ;;
        UUID=?*) printf '/dev/disk/by-uuid/%s\n' "${1#UUID=}" ;;
        PARTUUID=?*) printf '/dev/disk/by-partuuid/%s\n' "${1#PARTUUID=}" ;;
        /dev/?*) printf '%s\n' "$1" ;;
        *) return 1 ;;
    esac
}

# Where the cmdline hook leaves the medium's spec and device for the later hooks (they may run in
# other processes with the systemd initramfs).
# shellcheck disable=SC2034 # used by the hooks that source this file
LIVEKIT_ROOT_FILE=/tmp/livekit.root
