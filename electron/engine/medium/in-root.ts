// Paths inside a sysroot, resolved as the sysroot itself would see them: an absolute symlink
// (`/bin/chpasswd -> /bin/busybox`) points into the sysroot, never at the host's file, and `..`
// cannot climb above the sysroot's root.
import { lstatSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile } from '../input-file.ts';

const MAX_LINKS = 40; // as the kernel's ELOOP limit

/**
 * The host path of `path` (relative to `root`) after following symlinks inside `root`; undefined
 * if missing. Synchronous (a few lstat calls) so pure-ish checks such as validation can use it.
 */
export function resolveInRootSync(root: string, path: string): string | undefined {
  let pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, c);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...pending];
      continue;
    }
    if (pending.length > 0 && !st.isDirectory()) return undefined;
    done.push(c);
  }
  return join(root, ...done);
}

export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  return resolveInRootSync(root, path);
}

export async function existsInRoot(root: string, path: string): Promise<boolean> {
  return (await resolveInRoot(root, path)) !== undefined;
}

/** A regular file's text (a probed disk's /etc/passwd may be a FIFO or a device node: undefined then). */
export async function readTextInRoot(root: string, path: string): Promise<string | undefined> {
  const host = await resolveInRoot(root, path);
  if (host === undefined) return undefined;
  try {
    return (await readInputFile(host)).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Names of the subdirectories of a directory inside `root` (symlinks to directories included). */
export async function subdirsInRoot(root: string, path: string): Promise<string[]> {
  const host = await resolveInRoot(root, path);
  if (host === undefined) return [];
  let names: string[];
  try {
    names = await readdir(host);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const r = await resolveInRoot(root, `${path}/${n}`);
    if (r !== undefined && lstatSync(r).isDirectory()) out.push(n);
  }
  return out.sort();
}
