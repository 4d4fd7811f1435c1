// The record, on the machine, of what one engine run holds: its target mounts and binds, loop devices,
// /dev/disk/by-uuid links and running commands. Each is written down before it is taken and struck off once
// released, so a run killed outright (SIGKILL, the OOM killer) leaves a file that names what it left behind;
// the next run (or `livekit cleanup`) finds it there (leftovers.ts). /run is a tmpfs: a reboot, which also
// drops every mount and loop device, clears it.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thisProcess, type ProcessId } from './process-identity.ts';

export type HeldRecord =
  | { kind: 'mount'; target: string; source: string }
  /** `device` is known once losetup has printed it; until then the loop is found by its backing file. */
  | { kind: 'loop'; backing: string; backingId?: string; device?: string }
  | { kind: 'link'; path: string; to: string }
  /** An opened LUKS container, /dev/mapper/<name>, on `device`. */
  | { kind: 'luks'; name: string; device: string }
  /** A command's process group: it may outlive the engine and keep writing into the target. */
  | { kind: 'process'; pid: number; start: string; command: string };

export interface JournalEntry {
  id: number;
  record: HeldRecord;
}

export interface JournalFile {
  version: 1;
  owner: ProcessId;
  /** What the run was, for messages: `install to /dev/sdb`. */
  what: string;
  entries: JournalEntry[];
}

export function defaultHeldDir(): string {
  return process.getuid?.() === 0 ? '/run/livekit/held' : join(tmpdir(), `livekit-held-${process.getuid?.() ?? 0}`);
}

/** One run's record; every change rewrites the file whole (write, then rename: never half a file). */
export class HeldJournal {
  private entries: JournalEntry[] = [];
  private next = 1;
  private readonly owner = thisProcess();
  readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly what: string,
  ) {
    this.file = join(dir, `${this.owner.pid}-${this.owner.start}.json`);
  }

  /** Writes `record` down before the thing is taken; returns its id. */
  add(record: HeldRecord): number {
    const id = this.next++;
    this.entries.push({ id, record });
    this.write();
    return id;
  }

  update(id: number, record: HeldRecord): void {
    const e = this.entries.find((x) => x.id === id);
    if (!e) return;
    e.record = record;
    this.write();
  }

  /** Strikes off a released thing (or one that was never taken). */
  remove(id: number): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    if (this.entries.length !== before) this.write();
  }

  /** The run ended: what it still holds is meant to stay (`livekit mount`) or was reported; forget the file. */
  close(): void {
    this.entries = [];
    try {
      unlinkSync(this.file);
    } catch {
      /* never written */
    }
  }

  private write(): void {
    if (this.entries.length === 0) {
      this.close();
      return;
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const body: JournalFile = { version: 1, owner: this.owner, what: this.what, entries: this.entries };
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** Every run's record in `dir` (a file that does not parse is skipped: it was never renamed into place whole). */
export function readJournals(dir: string): (JournalFile & { file: string })[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: (JournalFile & { file: string })[] = [];
  for (const n of names) {
    try {
      const j = JSON.parse(readFileSync(join(dir, n), 'utf8')) as JournalFile;
      if (j.version === 1 && Array.isArray(j.entries)) out.push({ ...j, file: join(dir, n) });
    } catch {
      /* unreadable: not ours to judge */
    }
  }
  return out;
}
