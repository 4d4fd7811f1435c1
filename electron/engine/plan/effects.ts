// Pure: what an install does to the disks, in people's terms and in order — each partition of an erased disk
// deleted with the system found on it, the new table, each partition created, encrypted, formatted or kept.
// The confirmation, the wizard's summary and the log all say this list; the identity re-check reads which
// disks it touches.
import type { DiskInfo, PartitionInfo } from '../../shared/facts.ts';
import type { Effect, Existing, PartRef, PlannedPartition } from '../../shared/plan.ts';
import { partitionDevice } from '../run/placeholders.ts';

function existingOf(p: Pick<PartitionInfo, 'fstype' | 'label' | 'os'>): Existing | undefined {
  const e: Existing = { ...(p.fstype ? { fstype: p.fstype } : {}), ...(p.label ? { label: p.label } : {}), ...(p.os ? { os: p.os } : {}) };
  return Object.keys(e).length ? e : undefined;
}

/** What becomes of each planned partition's contents: encrypted, formatted, or kept. */
function contentEffects(part: PartRef, p: PlannedPartition, before?: PartitionInfo): Effect[] {
  const out: Effect[] = [];
  const size = p.sizeBytes ?? before?.sizeBytes ?? 0;
  // An existing partition's contents are lost when it is formatted, even when nothing about them is known.
  const existing = before ? (existingOf(before) ?? {}) : undefined;
  if (p.luks) out.push({ kind: 'encrypt', part, sizeBytes: size });
  if (p.fs?.format) {
    out.push({ kind: 'format', part, fstype: p.fs.type, sizeBytes: size, mountpoint: p.fs.mountpoint, ...(p.luks ? { encrypted: true } : {}), ...(existing && !p.luks ? { existing } : {}) });
  } else if (p.fs) {
    out.push({ kind: 'keep', part, sizeBytes: size, mountpoint: p.fs.mountpoint, ...(existing ? { existing } : {}) });
  }
  return out;
}

/** Erasing a whole disk: its partitions go, a new table, the planned partitions made and filled. */
export function eraseEffects(disk: DiskInfo, table: 'gpt' | 'dos', partitions: PlannedPartition[]): Effect[] {
  const image = disk.type === 'image';
  const ref = (number: number): PartRef => ({ disk: disk.path, number, ...(image ? {} : { device: partitionDevice(disk.path, number) }) });
  const out: Effect[] = disk.partitions.map((p) => ({
    kind: 'delete-partition' as const,
    part: { disk: disk.path, ...(p.number !== undefined ? { number: p.number } : {}), device: p.path },
    sizeBytes: p.sizeBytes,
    ...(existingOf(p) ? { existing: existingOf(p)! } : {}),
  }));
  out.push({ kind: 'new-table', disk: disk.path, table, sizeBytes: disk.sizeBytes, ...(disk.model ? { model: disk.model } : {}) });
  for (const p of partitions) out.push({ kind: 'create-partition', part: ref(p.number!), role: p.role, sizeBytes: p.sizeBytes ?? 0 });
  for (const p of partitions) out.push(...contentEffects(ref(p.number!), p));
  return out;
}

/** Installing into existing partitions: each is formatted or kept, with what it holds now. */
export function partitionEffects(partitions: PlannedPartition[], found: (device: string) => { disk: DiskInfo; part: PartitionInfo } | undefined): Effect[] {
  return partitions.flatMap((p) => {
    const f = p.device ? found(p.device) : undefined;
    const part: PartRef = { disk: f?.disk.path ?? '', ...(f?.part.number !== undefined ? { number: f.part.number } : {}), ...(p.device ? { device: p.device } : {}) };
    return contentEffects(part, p, f?.part);
  });
}

/**
 * The devices the effects touch that exist now: each existing partition formatted or kept, then each disk (its
 * identity covers its table and every filesystem on it; a partition of a disk given a new table is new, and
 * the disk stands for it). Partitions first: a change is named on the partition it happened to.
 */
export function touchedDevices(effects: Effect[]): string[] {
  const parts: string[] = [];
  const disks: string[] = [];
  const add = (list: string[], d: string | undefined) => d && !list.includes(d) && list.push(d);
  const newTables = effects.flatMap((e) => (e.kind === 'new-table' ? [e.disk] : []));
  for (const e of effects) {
    if (e.kind === 'new-table') add(disks, e.disk);
    else {
      add(disks, e.part.disk);
      if (!newTables.includes(e.part.disk) && e.kind !== 'delete-partition') add(parts, e.part.device);
    }
  }
  return [...parts, ...disks];
}
