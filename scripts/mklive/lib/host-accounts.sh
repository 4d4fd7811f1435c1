#!/bin/bash
# Sourced. Gives a busybox-based root real account tools (useradd, chpasswd, ...) by copying the
# host's shadow utilities with their shared libraries and a minimal PAM stack. Debian's busybox has
# no adduser/chpasswd applets, and the installer's user step runs useradd/chpasswd in a chroot; this
# takes seconds where a debootstrap base needs a mirror and ~45 s. Used by the `tiny` recipe and the
# installer's test fixture.

# host_libs_for <root> <file...>: the shared libraries each file needs (ldd on the host), copied into
# <root> where it lacks them. The files themselves may be anywhere (in <root> already, or the host's).
host_libs_for() {
  local root=$1 f lib
  shift
  for f in "$@"; do
    while read -r lib; do
      [ -n "$lib" ] || continue
      mkdir -p "$root$(dirname "$lib")"
      [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
    done < <(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true)
  done
}

# host_tools_install <root> <host file...>: copies the host's files to the same paths in <root>, with
# their libraries.
host_tools_install() {
  local root=$1 f
  shift
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -a "$f" "$root$f"
  done
  host_libs_for "$root" "$@"
}

# host_accounts_install <root>: copy the tools into <root> (which keeps Debian's merged /usr shape).
host_accounts_install() {
  local root=$1 d
  local tools=(/usr/sbin/useradd /usr/sbin/usermod /usr/sbin/groupadd /usr/sbin/chpasswd /usr/sbin/userdel)
  local pam_modules
  mapfile -t pam_modules < <(ls /usr/lib/x86_64-linux-gnu/security/pam_{unix,deny,permit}.so 2>/dev/null || true)
  host_tools_install "$root" "${tools[@]}" "${pam_modules[@]}"
  mkdir -p "$root/etc/pam.d" "$root/etc/default"
  cp /etc/pam.d/{chpasswd,common-password} "$root/etc/pam.d/"
  # The host's `other` includes stacks (common-auth, ...) that are not copied: deny by default.
  printf '%s\n' 'auth required pam_deny.so' 'account required pam_deny.so' \
    'password required pam_deny.so' 'session required pam_deny.so' >"$root/etc/pam.d/other"
  cp /etc/login.defs "$root/etc/login.defs"
  if [ -f /etc/default/useradd ]; then cp /etc/default/useradd "$root/etc/default/useradd"; fi
  # Debian links /lib and /lib64 to usr/: keep that shape so the copied dynamic loader is found.
  for d in lib lib64; do
    mkdir -p "$root/usr/$d"
    if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then cp -a "$root/$d/." "$root/usr/$d/"; rm -rf "${root:?}/$d"; fi
    [ -e "$root/$d" ] || ln -s "usr/$d" "$root/$d"
  done
}
