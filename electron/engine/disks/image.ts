// Effects: a regular file used as the target disk (QA's VM images, the tests). The planner attaches it at run time.
import { constants } from 'node:fs';
import { access, realpath, stat, statfs } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { DiskInfo } from '../../shared/facts.ts';
import { imageUsers, scanOpenFiles } from './in-use.ts';
import { placeOf } from './place.ts';

export class NotAnImageError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'NotAnImageError';
  }
}

/**
 * Describes an existing regular file as a disk of type `image`: `path` as given (the answers name it so),
 * `realPath` for the safety rules, who uses it (a loop device, a process), and the room its filesystem has.
 */
export async function describeImage(path: string): Promise<DiskInfo> {
  const real = await realpath(path).catch(() => {
    throw new NotAnImageError(path, 'no such file');
  });
  const st = await stat(real);
  if (!st.isFile()) throw new NotAnImageError(path, 'not a regular file');
  const writable = await access(real, constants.W_OK).then(
    () => true,
    () => false,
  );
  const fs = await statfs(dirname(real));
  const inUse = await imageUsers(real, scanOpenFiles());
  return {
    path,
    realPath: real,
    place: placeOf(real),
    name: basename(real),
    sizeBytes: st.size,
    type: 'image',
    readOnly: !writable,
    removable: false,
    mountpoints: [],
    partitions: [],
    ...(inUse.length ? { inUse } : {}),
    hostSpace: { freeBytes: fs.bavail * fs.bsize, allocatedBytes: st.blocks * 512 },
  };
}
