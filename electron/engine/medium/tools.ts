// What a sysroot carries for the install steps, read from its files (resolved inside the sysroot).
import type { TargetTools } from '../../shared/facts.ts';
import { existsInRoot, readTextInRoot, subdirsInRoot } from './in-root.ts';
import { compiledLocales } from './locales.ts';

const BIN_DIRS = ['usr/sbin', 'usr/bin', 'sbin', 'bin'];
/** Groups whose members may administer the system. */
export const ADMIN_GROUPS = ['wheel', 'sudo'];

async function hasCommand(root: string, name: string): Promise<boolean> {
  for (const d of BIN_DIRS) if (await existsInRoot(root, `${d}/${name}`)) return true;
  return false;
}

/** First field of each `name:...` line (etc/passwd, etc/group). */
export function namesOf(dbText: string | undefined): string[] {
  if (!dbText) return [];
  return dbText
    .split('\n')
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n !== '' && !n.startsWith('#') && !n.startsWith('+') && !n.startsWith('-'));
}

export async function detectTools(root: string): Promise<TargetTools> {
  // dracut first: the project's own media use it; then Debian's and Arch's tools.
  let initramfs: TargetTools['initramfs'];
  if (await hasCommand(root, 'dracut')) initramfs = 'dracut';
  else if (await hasCommand(root, 'update-initramfs')) initramfs = 'update-initramfs';
  else if (await hasCommand(root, 'mkinitcpio')) initramfs = 'mkinitcpio';

  let grub: TargetTools['grub'];
  if (await hasCommand(root, 'grub-install')) grub = 'grub';
  else if (await hasCommand(root, 'grub2-install')) grub = 'grub2';

  const grubPlatforms: string[] = [];
  for (const base of ['usr/lib/grub', 'usr/lib/grub2']) {
    for (const p of await subdirsInRoot(root, base)) {
      // A platform dir holds modules (normal.mod) or modinfo.sh; skip e.g. x86_64-efi-signed.
      const real = (await existsInRoot(root, `${base}/${p}/normal.mod`)) || (await existsInRoot(root, `${base}/${p}/modinfo.sh`));
      if (real && !grubPlatforms.includes(p)) grubPlatforms.push(p);
    }
  }

  const kernels = new Set<string>();
  for (const base of ['usr/lib/modules', 'lib/modules']) {
    for (const k of await subdirsInRoot(root, base)) kernels.add(k);
  }

  let displayManager: TargetTools['displayManager'];
  if (await hasCommand(root, 'lightdm')) displayManager = 'lightdm';
  else if (await hasCommand(root, 'sddm')) displayManager = 'sddm';

  const groups = namesOf(await readTextInRoot(root, 'etc/group'));
  const initramfsCrypt = await cryptInInitramfs(root, initramfs);
  return {
    ...(initramfs ? { initramfs } : {}),
    ...(grub ? { grub } : {}),
    grubPlatforms: grubPlatforms.sort(),
    kernels: [...kernels].sort(),
    useradd: await hasCommand(root, 'useradd'),
    chpasswd: await hasCommand(root, 'chpasswd'),
    adminGroups: ADMIN_GROUPS.filter((g) => groups.includes(g)),
    loginShell: (await existsInRoot(root, 'bin/bash')) ? '/bin/bash' : '/bin/sh',
    existingUsers: namesOf(await readTextInRoot(root, 'etc/passwd')),
    localeGen: await hasCommand(root, 'locale-gen'),
    locales: await compiledLocales(root),
    ...(displayManager ? { displayManager } : {}),
    cryptsetup: await hasCommand(root, 'cryptsetup'),
    setupcon: await hasCommand(root, 'setupcon'),
    initramfsCrypt,
  };
}

/** Where each initramfs tool keeps what opens an encrypted root at boot. */
const CRYPT_PARTS: Record<NonNullable<TargetTools['initramfs']>, string[]> = {
  'update-initramfs': ['usr/share/initramfs-tools/hooks/cryptroot'],
  dracut: ['usr/lib/dracut/modules.d/90crypt/module-setup.sh'],
  mkinitcpio: ['usr/lib/initcpio/install/encrypt', 'usr/lib/initcpio/install/sd-encrypt'],
};

async function cryptInInitramfs(root: string, tool: TargetTools['initramfs']): Promise<boolean> {
  for (const f of tool ? CRYPT_PARTS[tool] : []) if (await existsInRoot(root, f)) return true;
  return false;
}
