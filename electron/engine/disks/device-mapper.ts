// Effects: whether this machine's kernel can open a LUKS container — device-mapper and its crypt target,
// built in or loadable. Some kernels have neither (minimal VM kernels such as this project's CI machines):
// there, luksFormat would succeed and `cryptsetup open` fail after the disk was erased, so the planner
// refuses encryption beforehand.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';

async function text(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

export async function canOpenLuks(): Promise<boolean> {
  const [misc, dep, builtin] = await Promise.all([text('/proc/misc'), text(`/lib/modules/${release()}/modules.dep`), text(`/lib/modules/${release()}/modules.builtin`)]);
  const modules = dep + builtin;
  const dm = /\bdevice-mapper\b/.test(misc) || /\bdm-mod\.ko/.test(modules);
  const crypt = existsSync('/sys/module/dm_crypt') || /\bdm-crypt\.ko/.test(modules);
  return dm && crypt;
}
