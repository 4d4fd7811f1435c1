#!/usr/bin/env bash
# Test-only dracut module (mkinitrd.sh --report): with `livekit.report` on the kernel command line,
# puts /livekit-report into the Live root so the guest can boot with init=/livekit-report and tell
# the host over the serial console what the boot composed.
# shellcheck disable=SC2154 # moddir is set by dracut

check() { return 255; }   # only when asked for with --add
depends() { echo livekit; }
install() {
  inst_simple "$moddir/livekit-report.sh" /usr/lib/livekit/livekit-report
  inst_hook pre-pivot 99 "$moddir/livekit-report-hook.sh"
}
