#!/bin/sh
# initqueue/timeout hook: the medium never appeared. Say which, then dracut's emergency path.

[ -e /tmp/livekit.root ] || return 0
{ read -r livekit_spec; read -r livekit_dev; } < /tmp/livekit.root
if [ ! -e "$livekit_dev" ]; then
    echo "LiveKit: medium $livekit_spec not found ($livekit_dev did not appear)" >&2
    die "LiveKit: medium $livekit_spec not found"
fi
return 0
