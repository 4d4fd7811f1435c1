#!/bin/sh
# initqueue/timeout hook: the medium has not appeared. Say which (once); dracut's initqueue then opens
# its emergency shell when rd.retry runs out ("Could not boot."), with this message above the prompt.

[ -e /tmp/livekit.root ] || return 0
{ read -r livekit_spec; read -r livekit_dev; } < /tmp/livekit.root
if [ ! -e "$livekit_dev" ] && [ ! -e /tmp/livekit.timeout-said ]; then
    : > /tmp/livekit.timeout-said
    livekit_msg="LiveKit: medium $livekit_spec not found ($livekit_dev did not appear)"
    echo "$livekit_msg" >&2
    echo "<27>$livekit_msg" > /dev/kmsg 2>/dev/null
    # shellcheck disable=SC2154 # hookdir comes from dracut-lib
    printf 'warn "%s"\n' "$(printf '%s' "$livekit_msg" | sed 's/[\\"$`]//g')" >> "$hookdir/emergency/01-livekit.sh"
fi
return 0
