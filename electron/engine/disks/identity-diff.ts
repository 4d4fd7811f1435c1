// Pure: which properties of a target disk changed between the plan the user confirmed and the moment
// before the first write (a USB stick swapped, a loop device re-pointed, the disk repartitioned).

export interface DiskIdentity {
  path: string;
  sizeBytes: number;
  model?: string;
  serial?: string;
  wwn?: string;
  /** A loop device's backing file; an image file's own device:inode. */
  backing?: string;
  /** `sfdisk --dump` (label, label-id/PTUUID, every partition with its UUID), '' without a table. */
  table: string;
  /**
   * What blkid probes on the disk's partitions (or on the partition itself, for an install into existing
   * partitions): device, filesystem type, filesystem UUID, partition UUID; one line each. A reformatted
   * ESP keeps the partition table but gets a new UUID, which the plan's fstab already names.
   */
  filesystems?: string;
}

export type IdentityField = 'size' | 'model' | 'serial' | 'wwn' | 'backing' | 'partition-table' | 'filesystems';

const FIELDS: [IdentityField, (d: DiskIdentity) => unknown][] = [
  ['size', (d) => d.sizeBytes],
  ['model', (d) => d.model],
  ['serial', (d) => d.serial],
  ['wwn', (d) => d.wwn],
  ['backing', (d) => d.backing],
  ['partition-table', (d) => d.table],
  ['filesystems', (d) => d.filesystems ?? ''],
];

export function identityChanges(confirmed: DiskIdentity, now: DiskIdentity): IdentityField[] {
  return FIELDS.filter(([, get]) => get(confirmed) !== get(now)).map(([name]) => name);
}

/** What makes the device itself (not its contents, which an install rewrites): size, model, serial, WWN, backing file. */
const DEVICE_FIELDS: IdentityField[] = ['size', 'model', 'serial', 'wwn', 'backing'];

/** Changes to the device itself, after the install has written its own table and filesystems. */
export function deviceChanges(confirmed: DiskIdentity, now: DiskIdentity): IdentityField[] {
  return identityChanges(confirmed, now).filter((f) => DEVICE_FIELDS.includes(f));
}
