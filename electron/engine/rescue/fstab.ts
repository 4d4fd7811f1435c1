// Pure: an installed system's /etc/fstab read as data, its sources matched against the disks found, and
// the same file with stale sources (a UUID no disk has any more) replaced by the right ones.
import type { PartitionInfo } from '../../shared/facts.ts';
import { unescapeOctal } from '../disks/mounts.ts';

export interface FstabEntry {
  /** 1-based line number in the file. */
  line: number;
  /** The first field as written: `UUID=…`, `LABEL=…`, `PARTUUID=…`, `/dev/sda2`, `tmpfs`, a swap file. */
  spec: string;
  mountpoint: string;
  fstype: string;
  options: string[];
  pass: number;
}

/** Parses fstab(5): blank lines and comments skipped, fields split on blanks, `\040` escapes decoded. */
export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = line.split(/\s+/).map(unescapeOctal);
    if (f.length < 2) return;
    out.push({
      line: i + 1,
      spec: f[0]!,
      mountpoint: f[1]!,
      fstype: f[2] ?? 'auto',
      options: (f[3] ?? 'defaults').split(','),
      pass: Number(f[5] ?? 0) || 0,
    });
  });
  return out;
}

/** The value of a mount option (`subvol=@` → `@`), if present. */
export function optionValue(options: string[], name: string): string | undefined {
  const o = options.find((x) => x.startsWith(`${name}=`));
  return o?.slice(name.length + 1);
}

export type SpecKind = 'UUID' | 'PARTUUID' | 'LABEL' | 'PARTLABEL' | 'device' | 'other';

export function specKind(spec: string): SpecKind {
  const m = /^(UUID|PARTUUID|LABEL|PARTLABEL)=/.exec(spec);
  if (m) return m[1] as SpecKind;
  return spec.startsWith('/dev/') ? 'device' : 'other';
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1');

/** The partition a block-device source names, or undefined when none of `parts` matches. */
export function resolveSpec(spec: string, parts: PartitionInfo[]): PartitionInfo | undefined {
  const kind = specKind(spec);
  const value = unquote(spec.slice(spec.indexOf('=') + 1));
  switch (kind) {
    case 'UUID':
      return parts.find((p) => p.uuid?.toLowerCase() === value.toLowerCase());
    case 'PARTUUID':
      return parts.find((p) => p.partuuid === value.toLowerCase());
    case 'LABEL':
      return parts.find((p) => p.label === value);
    case 'device': {
      const byUuid = /^\/dev\/disk\/by-uuid\/(.+)$/.exec(spec);
      if (byUuid) return parts.find((p) => p.uuid?.toLowerCase() === byUuid[1]!.toLowerCase());
      return parts.find((p) => p.path === spec);
    }
    default:
      return undefined;
  }
}

/** Entries that name a block device (not tmpfs, proc, a swap file, a network share, a bind). */
export function namesBlockDevice(e: FstabEntry): boolean {
  if (e.options.includes('bind')) return false;
  const kind = specKind(e.spec);
  return kind !== 'other' && kind !== 'PARTLABEL';
}

/** A source no disk of this machine has: the entry cannot be mounted. */
export interface StaleEntry {
  entry: FstabEntry;
  /** The partition that should be named instead, when there is exactly one good answer. */
  replacement?: PartitionInfo;
}

/** Every entry whose block-device source matches no partition of `parts`. */
export function staleEntries(entries: FstabEntry[], parts: PartitionInfo[]): FstabEntry[] {
  return entries.filter((e) => namesBlockDevice(e) && !e.options.includes('noauto') && resolveSpec(e.spec, parts) === undefined);
}

/** The same file, each given line's source replaced by `UUID=<replacement's UUID>`; everything else kept byte for byte. */
export function fixedFstab(text: string, fixes: { line: number; oldSpec: string; uuid: string }[]): string {
  const lines = text.split('\n');
  for (const f of fixes) {
    const at = f.line - 1;
    const old = lines[at];
    if (old === undefined) continue;
    const start = old.indexOf(f.oldSpec);
    if (start < 0) continue;
    lines[at] = `${old.slice(0, start)}UUID=${f.uuid}${old.slice(start + f.oldSpec.length)}`;
  }
  return lines.join('\n');
}
