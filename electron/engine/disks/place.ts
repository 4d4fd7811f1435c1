// Effects: a path's identity (st_dev:st_ino, with bigints: xfs and btrfs inode numbers outgrow a double)
// and its folders' up to `/`, for the rules that must know a file however it is reached.
import { existsSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FileId, Place } from '../../shared/facts.ts';

export function fileId(st: Pick<BigIntStats, 'dev' | 'ino'>): FileId {
  return `${st.dev}:${st.ino}`;
}

/** Identities of `dir` (an existing, canonical folder) and of each folder above it, nearest first. */
function folderChain(dir: string): FileId[] {
  const out: FileId[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.push(fileId(statSync(d, { bigint: true })));
    if (dirname(d) === d) return out;
  }
}

/**
 * Where `path` is: the file it names (symlinks followed) when it exists, and the folders above it. A
 * missing file is placed by its nearest existing folder (where it would be created).
 */
export function placeOf(path: string): Place {
  const abs = resolve(path);
  const st = statSync(abs, { bigint: true, throwIfNoEntry: false });
  if (st) {
    const real = realpathSync(abs);
    return { id: fileId(st), dev: String(st.dev), folders: dirname(real) === real ? [] : folderChain(dirname(real)) };
  }
  let dir = dirname(abs);
  while (!existsSync(dir)) dir = dirname(dir);
  const real = realpathSync(dir);
  return { dev: String(statSync(real, { bigint: true }).dev), folders: folderChain(real) };
}
