// What an encrypted install needs of a variant: one rule for the planner (which refuses the plan) and the
// wizard (which says why it does not offer encryption for that variant before anyone types a passphrase).
import type { TargetTools } from './facts.ts';
import type { Finding } from './problem.ts';

/** What opens an encrypted root at boot, per initramfs tool: the package a person should look for. */
export const INITRAMFS_CRYPT_PACKAGE: Record<string, string> = {
  'update-initramfs': 'cryptsetup-initramfs',
  dracut: 'dracut (its crypt module)',
  mkinitcpio: 'mkinitcpio (its encrypt hook)',
};

/**
 * Why `variant` cannot be installed encrypted (codes of `plan:problem.*`), or nothing: it can. An encrypted
 * root opens at boot only with cryptsetup and the initramfs's part that asks for the passphrase; a variant
 * without a kernel never boots by itself (a demo's, a container's), so nothing asks at boot then.
 */
export function encryptionBlockers(tools: TargetTools, variant: string, machine: { canOpenLuks?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  // A kernel without device-mapper formats a container but cannot open it: refused before the disk is erased.
  if (machine.canOpenLuks === false) out.push({ code: 'no-dm-crypt' });
  if (!tools.cryptsetup) out.push({ code: 'no-cryptsetup', params: { variant } });
  if (!tools.initramfsCrypt && tools.kernels.length > 0) {
    out.push({ code: 'no-initramfs-crypt', params: { variant, package: INITRAMFS_CRYPT_PACKAGE[tools.initramfs ?? ''] ?? 'cryptsetup-initramfs' } });
  }
  return out;
}
