#!/bin/sh
# Test init (PID 1 after switch-root, init=/livekit-report): reports on the console what the boot
# composed, between markers the host test parses, then powers the guest off. Sysroots may carry
# only /bin/busybox with a few links: fall back to busybox applets for the rest.
for c in cat cut tr readlink grep dmesg sync mount touch sleep; do
  command -v "$c" >/dev/null 2>&1 || eval "$c() { busybox $c \"\$@\"; }"
done
[ -e /proc/self ] || mount -t proc proc /proc
exec >/dev/console 2>&1
echo "LIVEKIT-REPORT-BEGIN"
echo "uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "cmdline=$(cat /proc/cmdline)"
while read -r _dev mnt fstype opts _rest; do
  case "$mnt" in
    /) echo "root=$fstype $opts" ;;
    /run/livekit/sysroots/*) echo "sysroot=${mnt#/run/livekit/sysroots/} $fstype $opts" ;;
    /run/livekit/medium) echo "medium=$fstype" ;;
    /run/livekit/livemnt) echo "livemnt=$fstype" ;;
  esac
done </proc/mounts
echo "sysroots-link=$(readlink /sysroots 2>/dev/null)"
for d in /sysroots/*; do [ -e "$d/etc/os-release" ] && echo "sysroot-dir=${d#/sysroots/}"; done
echo "boot-target=$(cat /run/livekit/boot-target 2>/dev/null)"
echo "locale=$(tr '\n' ' ' </etc/locale.conf 2>/dev/null)"
echo "os-release=$(grep -E '^(ID|VARIANT)=' /etc/os-release 2>/dev/null | tr '\n' ' ')"
# Written by the pre-pivot hook: the layers' loop devices as the initramfs's udev left them.
[ -f /livekit-report-udev ] && cat /livekit-report-udev
if touch /livekit-report-writable 2>/dev/null; then echo "root-writable=yes"; else echo "root-writable=no"; fi
dmesg 2>/dev/null | grep 'LiveKit:' | while read -r line; do echo "loader-log=$line"; done
echo "LIVEKIT-REPORT-END"
sync
echo o >/proc/sysrq-trigger
sleep 5
echo b >/proc/sysrq-trigger
