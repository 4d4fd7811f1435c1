// Pure: `lsblk --json --bytes --output-all` → DiskInfo[]. No I/O here, so recorded outputs replay in tests.
import type { DiskInfo, PartitionInfo } from '../../shared/facts.ts';

/** The fields of one lsblk device that we read (util-linux ≥ 2.37 spelling; all may be null). */
interface LsblkDevice {
  name?: string | null;
  kname?: string | null;
  path?: string | null;
  type?: string | null;
  size?: number | string | null;
  ro?: boolean | string | number | null;
  rm?: boolean | string | number | null;
  hotplug?: boolean | string | number | null;
  model?: string | null;
  serial?: string | null;
  tran?: string | null;
  fstype?: string | null;
  label?: string | null;
  partlabel?: string | null;
  uuid?: string | null;
  partuuid?: string | null;
  parttype?: string | null;
  partn?: number | string | null;
  pkname?: string | null;
  mountpoint?: string | null;
  mountpoints?: (string | null)[] | null;
  children?: LsblkDevice[] | null;
}

/** Device types that can be an install target (whole devices); everything else is ignored. */
const WHOLE_TYPES = new Set(['disk', 'loop', 'rom', 'mmc']);

function str(v: string | null | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function bool(v: boolean | string | number | null | undefined): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

function num(v: number | string | null | undefined): number {
  const n = typeof v === 'string' ? Number(v) : (v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** lsblk's pseudo mountpoint of an active swap area. */
const SWAP_MARK = '[SWAP]';

function rawMountpoints(d: LsblkDevice): string[] {
  const list = d.mountpoints ?? (d.mountpoint !== undefined ? [d.mountpoint] : []);
  return list.filter((m): m is string => typeof m === 'string' && m.length > 0);
}

/** Real mountpoints only: active swap is reported as `swapActive`, not as a mount. */
function mountpointsOf(d: LsblkDevice): string[] {
  return rawMountpoints(d).filter((m) => m !== SWAP_MARK);
}

const isSwap = (d: LsblkDevice) => rawMountpoints(d).includes(SWAP_MARK);

/** Mountpoints of a device and of everything stacked on it (crypt, lvm, md children). */
function nestedMountpoints(d: LsblkDevice): string[] {
  return [...mountpointsOf(d), ...(d.children ?? []).flatMap(nestedMountpoints)];
}

function pathOf(d: LsblkDevice): string {
  return str(d.path) ?? `/dev/${str(d.name) ?? str(d.kname) ?? ''}`;
}

/** The partition number: `partn` when lsblk has it, else the digits that follow the parent's name. */
export function partitionNumber(partName: string, diskName: string): number | undefined {
  const rest = partName.startsWith(diskName) ? partName.slice(diskName.length) : partName;
  const m = /p?(\d+)$/.exec(rest);
  return m ? Number(m[1]) : undefined;
}

function toPartition(p: LsblkDevice, diskName: string): PartitionInfo {
  const name = str(p.name) ?? str(p.kname) ?? '';
  const number = p.partn != null ? num(p.partn) : partitionNumber(name, diskName);
  const part: PartitionInfo = {
    path: pathOf(p),
    sizeBytes: num(p.size),
    mountpoints: nestedMountpoints(p),
    swapActive: isSwap(p),
  };
  if (number !== undefined) part.number = number;
  const fstype = str(p.fstype);
  if (fstype) part.fstype = fstype;
  const label = str(p.label);
  if (label) part.label = label;
  const partlabel = str(p.partlabel);
  if (partlabel) part.partlabel = partlabel;
  const uuid = str(p.uuid);
  if (uuid) part.uuid = uuid;
  const partuuid = str(p.partuuid);
  if (partuuid) part.partuuid = partuuid.toLowerCase();
  const parttype = str(p.parttype);
  if (parttype) part.parttype = parttype.toLowerCase();
  return part;
}

function toDisk(d: LsblkDevice): DiskInfo {
  const name = str(d.name) ?? str(d.kname) ?? '';
  const children = d.children ?? [];
  const partitions = children.filter((c) => c.type === 'part').map((c) => toPartition(c, name));
  // Holders that are not partitions (a crypt or lvm device straight on the disk) count as the disk's own use.
  const stacked = children.filter((c) => c.type !== 'part').flatMap(nestedMountpoints);
  const disk: DiskInfo = {
    path: pathOf(d),
    name,
    sizeBytes: num(d.size),
    type: str(d.type) ?? 'disk',
    readOnly: bool(d.ro),
    removable: bool(d.rm) || bool(d.hotplug),
    mountpoints: [...mountpointsOf(d), ...stacked],
    partitions,
  };
  if (isSwap(d)) disk.swapActive = true;
  const model = str(d.model);
  if (model) disk.model = model;
  const serial = str(d.serial);
  if (serial) disk.serial = serial;
  const transport = str(d.tran);
  if (transport) disk.transport = transport;
  const fstype = str(d.fstype);
  if (fstype) disk.fstype = fstype;
  return disk;
}

/** Parses lsblk's JSON (the object or its text). Whole devices only; partitions nest under their disk. */
export function parseLsblk(json: unknown): DiskInfo[] {
  const data = (typeof json === 'string' ? JSON.parse(json) : json) as { blockdevices?: LsblkDevice[] } | null;
  const devices = data?.blockdevices;
  if (!Array.isArray(devices)) throw new Error('lsblk output has no "blockdevices" array');
  return devices.filter((d) => WHOLE_TYPES.has(str(d.type) ?? '')).map(toDisk);
}

/** The disk a device path belongs to (the disk itself, or the disk holding that partition). */
export function diskOfDevice(disks: DiskInfo[], device: string): DiskInfo | undefined {
  return disks.find((d) => d.path === device || d.partitions.some((p) => p.path === device));
}
