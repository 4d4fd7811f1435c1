// Pure: whether a file, known by its identity (device and inode, its folders'), is part of the Live medium.
// Paths can be renamed, hard-linked and bind-mounted; identities cannot, so this is the rule that holds.
import type { LiveIdentities, Place } from '../../shared/facts.ts';

/** The Live path `place` is (or is below, or on the filesystem of); undefined when it is none of them. */
export function livePlaceOf(place: Place, live: LiveIdentities | undefined): string | undefined {
  if (!live) return undefined;
  const own = place.id;
  const file = own === undefined ? undefined : live.files.find((f) => f.id === own);
  if (file) return file.path;
  // A folder of the medium as the place itself or one of its folders: a bind mount of the folder shows
  // the same identity at its new mount point, so whatever is below it is caught too.
  const folder = live.folders.find((f) => f.id === own || place.folders.includes(f.id));
  if (folder) return folder.path;
  return live.filesystems.find((f) => f.dev === place.dev)?.path;
}
