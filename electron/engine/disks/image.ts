// Effects: a regular file used as the target disk (QA's VM images, the tests). The planner attaches it at run time.
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DiskInfo } from '../../shared/facts.ts';
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

/** Describes an existing regular file as a disk of type `image`: `path` as given (the answers name it so), `realPath` for the safety rules. */
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
  };
}
