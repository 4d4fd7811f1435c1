#!/bin/bash
# shellcheck disable=SC2154 # moddir and hostonly are set by dracut
# dracut module "livekit": boots the Live root from a LiveKit medium (root=livekit:<spec>).

# A Live medium boots on any machine: refuse host-only images, and come in only when asked (--add livekit).
check() {
    [[ $hostonly ]] && return 1
    return 255
}

# bash: the loader sources livekit.conf, which uses Bash arrays.
depends() {
    echo base bash
}

installkernel() {
    # Not host-only: the medium may sit on USB, an optical drive, SATA or a virtual disk.
    hostonly='' instmods squashfs erofs loop overlay iso9660 sr_mod cdrom isofs \
        usb-storage uas sd_mod ahci ata_piix virtio_blk virtio_scsi virtio_pci \
        xhci_pci xhci_hcd ehci_pci ehci_hcd ohci_pci uhci_hcd nls_utf8 vfat ext4
}

install() {
    inst_multiple mount umount losetup cp mkdir rmdir ln rm cat stat readlink sed
    # Bash's loadable mkdir and ln (package bash-builtins), when the build host has them: under
    # emulation each program the loader does not start saves ~100 ms.
    local b
    for b in mkdir ln; do [[ -f /usr/lib/bash/$b ]] && inst_simple "/usr/lib/bash/$b"; done
    inst_script "$moddir/livekit-loader.sh" /sbin/livekit-loader
    inst_simple "$moddir/livekit-lib.sh" /lib/livekit-lib.sh
    inst_simple "$moddir/livekit-names.sh" /lib/livekit-names.sh
    # udev rules that spare the layers' loop devices the probing and tagging nobody reads before
    # switch-root (see the files).
    inst_simple "$moddir/01-livekit-layers.rules" "${udevrulesdir:-/usr/lib/udev/rules.d}/01-livekit-layers.rules"
    inst_simple "$moddir/99-zz-livekit-layers.rules" "${udevrulesdir:-/usr/lib/udev/rules.d}/99-zz-livekit-layers.rules"
    inst_hook cmdline 90 "$moddir/parse-livekit.sh"
    inst_hook pre-udev 30 "$moddir/livekit-genrules.sh"
    inst_hook initqueue/timeout 95 "$moddir/livekit-timeout.sh"
    dracut_need_initqueue
}
