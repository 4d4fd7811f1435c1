// Size and inode count of a tree, measured when sysroots.json does not give them.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeMeasure {
  /** Sum of apparent sizes of regular files and symlinks (what a copy transfers), hardlinks once. */
  bytes: number;
  /** Inodes a copy creates: every directory, and every other file once however many links it has. */
  inodes: number;
}

/**
 * Walks `root` without leaving its file system (nested mounts are skipped, like rsync -x).
 * Hardlinks are recognised by (device, inode) of non-directories only: on an overlay without
 * `xino`, directories report the overlay's device with their layer's inode number, which can repeat.
 */
export async function measureTree(root: string): Promise<TreeMeasure> {
  const rootSt = await lstat(root, { bigint: true });
  const files = new Set<string>();
  let dirs = 1;
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    const subdirs: string[] = [];
    for await (const ent of await opendir(dir)) {
      const p = join(dir, ent.name);
      const st = await lstat(p, { bigint: true });
      if (st.isDirectory()) {
        if (st.dev !== rootSt.dev) continue;
        dirs++;
        subdirs.push(p);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (files.has(key)) continue;
      files.add(key);
      if (st.isFile() || st.isSymbolicLink()) bytes += Number(st.size);
    }
    for (const s of subdirs) await walk(s);
  };
  await walk(root);
  return { bytes, inodes: dirs + files.size };
}
