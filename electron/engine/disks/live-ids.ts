// Effects: the Live medium's files, folders and filesystems by identity (device and inode), from the
// paths live.ts found. A medium mounted as a filesystem of its own (a Live session's USB stick) is known
// by its device: nothing on it may be written. A medium that is a plain folder (the demo, the tests, a
// copied medium) is known by the folder's identity and by each file's, since a device shared with the
// host's root would refuse everything.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveIdentities } from '../../shared/facts.ts';
import { mountAt, type MountEntry } from './mounts.ts';
import { fileId } from './place.ts';

/** Entries of a medium folder to know by inode: a medium holds tens; this bounds a wrong --medium. */
const MAX_FILES = 10_000;

export interface LiveIdsInput {
  /** Files and folders of the Live system (LiveSets.livePaths). */
  livePaths: string[];
  /** The medium's folders (canonical paths), whose files are walked. */
  mediumDirs: string[];
  mounts: MountEntry[];
}

const stat = (p: string) => statSync(p, { bigint: true, throwIfNoEntry: false });

/**
 * Each regular file and folder below `dir` on `dev` (mounts inside are someone else's), up to MAX_FILES
 * entries: the folders too, so that a bind mount of a subfolder (`livekit/`) is caught like the medium's.
 */
function walk(dir: string, dev: bigint, live: LiveIdentities): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (live.files.length + live.folders.length >= MAX_FILES) return;
    const p = join(dir, n);
    const st = statSync(p, { bigint: true, throwIfNoEntry: false });
    if (!st || st.dev !== dev) continue;
    if (st.isDirectory()) {
      live.folders.push({ path: p, id: fileId(st) });
      walk(p, dev, live);
    } else if (st.isFile()) live.files.push({ path: p, id: fileId(st) });
  }
}

export function liveIdentities(input: LiveIdsInput): LiveIdentities {
  const root = stat('/')!;
  const rootId = fileId(root);
  const live: LiveIdentities = { files: [], folders: [], filesystems: [] };
  for (const p of input.livePaths) {
    const st = stat(p);
    if (!st) continue;
    if (st.isDirectory()) {
      if (fileId(st) !== rootId) live.folders.push({ path: p, id: fileId(st) });
    } else if (st.isFile()) live.files.push({ path: p, id: fileId(st) });
  }
  for (const dir of input.mediumDirs) {
    const st = stat(dir);
    if (!st?.isDirectory() || fileId(st) === rootId) continue;
    // A whole filesystem mounted at the medium folder, not the host's root one: the medium's own.
    const mount = mountAt(input.mounts, dir);
    if (mount && mount.root === '/' && st.dev !== root.dev) live.filesystems.push({ path: dir, dev: String(st.dev) });
    else walk(dir, st.dev, live);
  }
  return live;
}
