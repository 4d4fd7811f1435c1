// Pure: `blkid -p -o export DEV...` output, and filling what lsblk left out.
// Without udev (this project's hosts, many Live sessions) lsblk shows no FSTYPE/UUID/PARTTYPE; blkid probes them.
import type { DiskInfo, PartitionInfo } from '../../shared/facts.ts';

export type BlkidEntry = Record<string, string>;

/** Parses `KEY=value` blocks separated by blank lines, keyed by DEVNAME. */
export function parseBlkidExport(text: string): Map<string, BlkidEntry> {
  const out = new Map<string, BlkidEntry>();
  for (const block of text.split(/\n\s*\n/)) {
    const entry: BlkidEntry = {};
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) entry[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    if (entry.DEVNAME) out.set(entry.DEVNAME, entry);
  }
  return out;
}

function fillPartition(p: PartitionInfo, e: BlkidEntry | undefined): PartitionInfo {
  if (!e) return p;
  const q: PartitionInfo = { ...p };
  if (!q.fstype && e.TYPE) q.fstype = e.TYPE;
  if (!q.uuid && e.UUID) q.uuid = e.UUID;
  if (!q.label && e.LABEL) q.label = e.LABEL;
  if (!q.partlabel && e.PART_ENTRY_NAME) q.partlabel = e.PART_ENTRY_NAME;
  if (!q.partuuid && (e.PART_ENTRY_UUID ?? e.PARTUUID)) q.partuuid = (e.PART_ENTRY_UUID ?? e.PARTUUID)!.toLowerCase();
  if (!q.parttype && e.PART_ENTRY_TYPE) q.parttype = e.PART_ENTRY_TYPE.toLowerCase();
  if (q.number === undefined && e.PART_ENTRY_NUMBER) q.number = Number(e.PART_ENTRY_NUMBER);
  return q;
}

/** Fills fields lsblk left empty from blkid's probe; lsblk's values win where both exist. */
export function mergeBlkid(disks: DiskInfo[], blkid: Map<string, BlkidEntry>): DiskInfo[] {
  return disks.map((d) => {
    const e = blkid.get(d.path);
    const disk: DiskInfo = { ...d, partitions: d.partitions.map((p) => fillPartition(p, blkid.get(p.path))) };
    if (!disk.fstype && e?.TYPE) disk.fstype = e.TYPE;
    return disk;
  });
}
