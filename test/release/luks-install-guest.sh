#!/bin/sh
# Runs in the tiny Live session of luks-install.ts (QEMU): installs the layered Debian fixture with the
# packed installer, from the work disk this script is on, onto the blank disk the answers name.
#   sh /mnt/work/run.sh CASE   (the work disk mounted at /mnt/work; answers in answers/CASE.yaml)
# The Live root gets the extra tools first (tools/, copied over it: it is writable), the medium is composed
# as the loader does (compose-sysroots.sh), then `livekit install --yes --json`, each event prefixed with
# the guest's uptime. Results go to out/CASE/ on the work disk; the console gets the step events, then
# LUKS-INSTALL-END <exit code> <seconds>. Then the guest powers off.
set -u
run=/run/luks-install
# Read from the tmpfs, not the work disk, so that the work disk can be unmounted at the end.
case $0 in
  "$run"/*) ;;
  *) mkdir -p "$run" && cp "$0" "$run/run.sh" && exec sh "$run/run.sh" "$@" ;;
esac
case=$1
w=/mnt/work
out=$w/out/$case
mkdir -p "$out"
cp -a "$w/tools/." /
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "LUKS-INSTALL-START $case"
bash "$w/compose-sysroots.sh" mount "$w/medium" "$run/compose" || { echo "LUKS-INSTALL-END compose-failed 0"; busybox poweroff -f; }

read -r t0 _ </proc/uptime
# The log goes to a tmpfs first: the engine refuses to write on the filesystem holding the medium.
{ livekit install --config "$w/answers/$case.yaml" --yes --json --medium "$w/medium" --sysroots "$run/compose/sysroots" \
  --log "$run/install.log" 2>"$run/stderr.txt"; echo "$?" >"$run/exit-code"; } |
  while IFS= read -r line; do
    read -r up _ </proc/uptime
    printf '%s %s\n' "$up" "$line" >>"$run/events.txt"
    case $line in *'"type":"step"'* | *'"type":"error"'* | *'"type":"done"'*) printf '%s %s\n' "$up" "$line" ;; esac
  done
read -r t1 _ </proc/uptime
code=$(cat "$run/exit-code" 2>/dev/null || echo 1)

bash "$w/compose-sysroots.sh" umount "$run/compose"
cp "$run/install.log" "$run/events.txt" "$run/stderr.txt" "$run/exit-code" "$out/" 2>/dev/null
echo "$t0 $t1" >"$out/uptime"
umount "$w"
sync
echo "LUKS-INSTALL-END $code $t0 $t1"
busybox poweroff -f
