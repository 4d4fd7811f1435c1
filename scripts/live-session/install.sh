#!/usr/bin/env bash
# install.sh ROOT: puts the Live session's installer pieces into a Live template (mklive's template
# step, over the composed livekit sysroot): the engine's unit (enabled), the unattended install's unit
# (runs only with livekit.autoinstall=), the launcher, its menu entry, XDG autostart and desktop icon,
# and the polkit rule that lets the Live user start the engine.
set -euo pipefail
root=$1
here=$(dirname "$(readlink -f "$0")")

install -D -m 644 "$here/livekit-engine.service" "$root/etc/systemd/system/livekit-engine.service"
mkdir -p "$root/etc/systemd/system/graphical.target.wants"
ln -sf ../livekit-engine.service "$root/etc/systemd/system/graphical.target.wants/livekit-engine.service"
install -D -m 755 "$here/url-ready" "$root/usr/lib/livekit-session/url-ready"
install -D -m 644 "$here/livekit-autoinstall.service" "$root/etc/systemd/system/livekit-autoinstall.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../livekit-autoinstall.service "$root/etc/systemd/system/multi-user.target.wants/livekit-autoinstall.service"
install -D -m 755 "$here/autoinstall-run" "$root/usr/lib/livekit-session/autoinstall-run"
install -D -m 755 "$here/livekit-installer" "$root/usr/bin/livekit-installer"
install -D -m 644 "$here/livekit-installer.desktop" "$root/usr/share/applications/livekit-installer.desktop"
install -D -m 644 "$here/livekit-installer.desktop" "$root/etc/xdg/autostart/livekit-installer.desktop"
install -D -m 644 "$here/50-livekit-engine.rules" "$root/etc/polkit-1/rules.d/50-livekit-engine.rules"
# The desktop icon: executable and marked trusted, or Caja asks before launching it.
install -D -m 755 "$here/livekit-installer.desktop" "$root/home/live/Desktop/livekit-installer.desktop"
chroot "$root" chown -R live:live /home/live/Desktop
