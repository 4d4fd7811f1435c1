// Host paths of files the engine writes into the target, confined to the target root: the copied
// sysroot is data, and a symlink in it (`/etc/hosts -> /etc/hosts.real`, or worse `-> /` on the
// host) must be followed as the installed system would see it, never out onto the Live system.
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { resolveInRootSync } from '../medium/in-root.ts';

export class OutsideTargetError extends Error {
  constructor(readonly path: string, readonly root: string) {
    super(`Refusing to write ${path}: not inside the target root ${root}`);
  }
}

/** The directory `rel` inside `root`, created component by component, each resolved inside `root`. */
function confinedDir(root: string, rel: string): string {
  let here = root;
  for (const c of rel.split('/').filter((x) => x !== '' && x !== '.')) {
    const inside = relative(root, join(here, c));
    const resolved = resolveInRootSync(root, inside);
    if (resolved !== undefined) {
      here = resolved;
      continue;
    }
    // Missing: only create it when nothing (not even a dangling link) stands there.
    const at = join(here, c);
    let dangling = false;
    try {
      dangling = lstatSync(at).isSymbolicLink();
    } catch {
      /* absent */
    }
    if (dangling) unlinkSync(at);
    mkdirSync(at);
    here = at;
  }
  return here;
}

/**
 * Where to write `hostPath` (a path under `root`). For a new file's content, a symlink standing at
 * the name is replaced by the file (`replaceLink`); for an append, the link is followed inside `root`.
 */
export function confinedWritePath(root: string, hostPath: string, mode: 'write' | 'append'): string {
  const rel = relative(root, hostPath);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new OutsideTargetError(hostPath, root);
  const parts = rel.split(sep);
  const name = parts.pop()!;
  const dir = confinedDir(root, parts.join('/'));
  const at = join(dir, name);
  let isLink = false;
  try {
    isLink = lstatSync(at).isSymbolicLink();
  } catch {
    return at;
  }
  if (!isLink) return at;
  if (mode === 'append') {
    const followed = resolveInRootSync(root, relative(root, at));
    if (followed !== undefined) return followed;
  }
  unlinkSync(at);
  return at;
}
