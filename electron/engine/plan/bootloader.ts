// Pure: which GRUB platform the target boots with, and the commands that install it.
import type { TargetTools } from '../../shared/facts.ts';

/** GRUB's platform for this CPU and firmware, or undefined when we cannot boot that combination. */
export function grubPlatform(arch: string, firmware: 'uefi' | 'bios'): string | undefined {
  if (firmware === 'bios') return arch === 'x64' || arch === 'ia32' ? 'i386-pc' : undefined;
  switch (arch) {
    case 'x64':
      return 'x86_64-efi';
    case 'ia32':
      return 'i386-efi';
    case 'arm64':
      return 'arm64-efi';
    case 'loong64':
      return 'loongarch64-efi';
    case 'riscv64':
      return 'riscv64-efi';
    default:
      return undefined;
  }
}

export interface GrubCommands {
  install: string[];
  mkconfig: string[];
}

/**
 * grub-install then grub-mkconfig, run inside the target. UEFI: the ESP at /boot/efi; `removable`
 * (an image file, or a host without UEFI variables) uses the fallback path EFI/BOOT and leaves NVRAM alone.
 * BIOS: GRUB goes to `disk`'s boot sector (and the BIOS boot partition on GPT).
 */
export function grubCommands(
  tools: Pick<TargetTools, 'grub'>,
  platform: string,
  opts: { disk: string; removable: boolean },
): GrubCommands {
  const grub2 = tools.grub === 'grub2';
  const installCmd = grub2 ? 'grub2-install' : 'grub-install';
  const cfg = grub2 ? '/boot/grub2/grub.cfg' : '/boot/grub/grub.cfg';
  const install = platform.endsWith('-efi')
    ? [
        installCmd,
        `--target=${platform}`,
        '--efi-directory=/boot/efi',
        '--bootloader-id=LiveKit',
        ...(opts.removable ? ['--removable', '--no-nvram'] : []),
      ]
    : [installCmd, `--target=${platform}`, opts.disk];
  return { install, mkconfig: [grub2 ? 'grub2-mkconfig' : 'grub-mkconfig', '-o', cfg] };
}

/**
 * The target's own initramfs tool, run for every installed kernel. Images are made anew, not updated: a
 * sysroot may carry none (the release medium's layers do not: the Live system boots its own), and
 * `update-initramfs -u` then does nothing, leaving a disk whose kernel cannot mount its root.
 */
export function initramfsCommand(tool: NonNullable<TargetTools['initramfs']>): string[] {
  switch (tool) {
    case 'dracut':
      return ['dracut', '--force', '--regenerate-all'];
    case 'update-initramfs':
      return ['update-initramfs', '-c', '-k', 'all'];
    case 'mkinitcpio':
      return ['mkinitcpio', '-P'];
  }
}
