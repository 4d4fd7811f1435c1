#!/bin/bash
# Hook shipped on --aosc media (livekit/hooks/): AOSC OS's boot module applies the GRUB menu's
# LANG= only through such hooks, so this does what our loader does itself (apply_language): LANG=
# from the kernel command line into the Live root's /etc/locale.conf (and /etc/default/locale on a
# Debian-like root). Sourced by the loader (ours or AOSC's) with the Live root at /sysroot; starts
# no program. $CMDLINEFILE: AOSC's hooks' name for the command line file, for host runs.
livekit_hook_root=${NEWROOT:-/sysroot}
livekit_hook_lang=''
read -r -a livekit_hook_words <"${CMDLINEFILE:-/proc/cmdline}" || true
for livekit_hook_word in "${livekit_hook_words[@]}"; do
  case $livekit_hook_word in LANG=*) livekit_hook_lang=${livekit_hook_word#LANG=} ;; esac
done
if [[ $livekit_hook_lang =~ ^[A-Za-z0-9_.@-]+$ ]] && [ "$livekit_hook_lang" != C.UTF-8 ] && [ -d "$livekit_hook_root/etc" ]; then
  printf 'LANG=%s\n' "$livekit_hook_lang" >"$livekit_hook_root/etc/locale.conf"
  if [ -e "$livekit_hook_root/etc/debian_version" ] && [ -d "$livekit_hook_root/etc/default" ]; then
    printf 'LANG=%s\n' "$livekit_hook_lang" >"$livekit_hook_root/etc/default/locale"
  fi
fi
unset livekit_hook_root livekit_hook_lang livekit_hook_words livekit_hook_word
return 0
