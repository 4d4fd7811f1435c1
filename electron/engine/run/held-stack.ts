// What one run of the executor holds on the machine — loop devices, mounts and binds, by-uuid links, a FAT
// partition staged in a tmpfs — as a stack released newest first. Each thing is written into the run's journal
// before it is taken (held-journal.ts), so a run killed outright leaves a record the next run releases; the
// stack is also registered with the process's holders, for the last-resort handler.
import { readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HeldJournal } from './held-journal.ts';
import { registerHolder } from './held.ts';
import type { CommandRunner, RunResult } from './runner.ts';
import { releaseForeignCopies } from './leftovers.ts';

type Held =
  | { kind: 'mount'; target: string }
  | { kind: 'loop'; device: string }
  /** An opened LUKS container, /dev/mapper/<name>. */
  | { kind: 'luks'; name: string }
  | { kind: 'link'; path: string }
  /** A FAT filesystem staged in `dir` (the kernel cannot mount vfat): written back with mtools at release. */
  | { kind: 'fat'; device: string; dir: string };

/** Runs a command of the release (never aborted); logs it like every other. */
export type ReleaseRun = (argv: string[], extra?: { env?: Record<string, string> }) => Promise<RunResult>;

/** mtools refuses partitions whose geometry it finds odd; FAT made by mkfs.vfat is fine. */
export const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };

const BY_UUID = '/dev/disk/by-uuid';

export class HeldStack {
  private stack: { held: Held; journalId?: number }[] = [];
  /** Every mount point this run has used: copies of them in other mount namespaces are the run's too. */
  private mounted: string[] = [];
  private unregister: () => void;
  /** Writing a staged ESP back failed: the install must not say done. */
  fatWriteFailed = false;

  constructor(
    private readonly run: ReleaseRun,
    private readonly log: (m: string, level?: 'info' | 'warn') => void,
    private readonly journal: HeldJournal | undefined,
    name: string,
  ) {
    this.unregister = registerHolder({ name, releaseAll: () => this.release() });
  }

  /** Writes the thing down, takes it, and keeps it on the stack; a failed take is struck off again. */
  private async take<T>(record: Parameters<HeldJournal['add']>[0] | undefined, doTake: () => Promise<T>, held: (r: T) => Held, recordAfter?: (r: T) => Parameters<HeldJournal['add']>[0]): Promise<T> {
    const id = record ? this.journal?.add(record) : undefined;
    let r: T;
    try {
      r = await doTake();
    } catch (e) {
      if (id !== undefined) this.journal?.remove(id);
      throw e;
    }
    if (id !== undefined && recordAfter) this.journal?.update(id, recordAfter(r));
    this.stack.push({ held: held(r), ...(id !== undefined ? { journalId: id } : {}) });
    return r;
  }

  /** Attaches an image file to a loop device with partition scanning; returns the device. */
  attachLoop(image: string, losetup: () => Promise<string>): Promise<string> {
    // The file's identity, for a record read after it was renamed or deleted (losetup then fails on its own).
    const st = statSync(image, { throwIfNoEntry: false });
    const record = { kind: 'loop' as const, backing: image, ...(st ? { backingId: `${st.dev}:${st.ino}` } : {}) };
    return this.take(record, losetup, (device) => ({ kind: 'loop', device }), (device) => ({ ...record, device }));
  }

  mount(source: string, target: string, doMount: () => Promise<unknown>): Promise<unknown> {
    this.mounted.push(target);
    return this.take({ kind: 'mount', target, source }, doMount, () => ({ kind: 'mount', target }));
  }

  openLuks(name: string, device: string, doOpen: () => Promise<unknown>): Promise<unknown> {
    return this.take({ kind: 'luks', name, device }, doOpen, () => ({ kind: 'luks', name }));
  }

  async link(path: string, to: string, doLink: () => void): Promise<void> {
    await this.take({ kind: 'link', path, to }, async () => doLink(), () => ({ kind: 'link', path }));
  }

  /** A staged FAT partition: nothing to release after a crash (its tmpfs mount is held on its own). */
  stagedFat(device: string, dir: string): void {
    this.stack.push({ held: { kind: 'fat', device, dir } });
  }

  /** The journal notes a running command (its process group may outlive a killed engine). */
  noteProcess(pid: number, start: string, command: string): () => void {
    const id = this.journal?.add({ kind: 'process', pid, start, command });
    return () => {
      if (id !== undefined) this.journal?.remove(id);
    };
  }

  /**
   * Releases newest first; never throws. With `keepDevices`, stops at the first device (a LUKS container, the
   * loop device holding the target): their filesystems are checked unmounted, then the last release closes them.
   */
  async release(opts: { keepDevices?: boolean } = {}): Promise<void> {
    let copiesReleased = false;
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!;
      const device = top.held.kind === 'loop' || top.held.kind === 'luks';
      // Mounts are all released (they come after the devices): no other namespace may keep a copy of them.
      if (device && !copiesReleased) {
        copiesReleased = true;
        await this.releaseCopies();
      }
      if (opts.keepDevices && device) return;
      this.stack.pop();
      try {
        await this.releaseOne(top.held);
        if (top.journalId !== undefined) this.journal?.remove(top.journalId);
      } catch (e) {
        this.log(`release failed: ${(e as Error).message}`, 'warn');
      }
    }
    if (!copiesReleased) await this.releaseCopies();
  }

  private async releaseCopies(): Promise<void> {
    if (!this.mounted.length) return;
    const runner: CommandRunner = { run: (argv) => this.run(argv) };
    for (const m of await releaseForeignCopies(this.mounted, runner).catch(() => [])) this.log(`released the copy of ${m} another mount namespace kept`, 'warn');
  }

  /** Everything released and the run over: the journal goes (what a run keeps on purpose stays, unrecorded). */
  close(): void {
    this.unregister();
    this.journal?.close();
  }

  private async releaseOne(h: Held): Promise<void> {
    if (h.kind === 'mount') {
      // A busy target usually frees itself within moments (a process still closing files): retry first.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (attempt > 0) await sleep(300);
        if (await this.run(['umount', h.target]).then(() => true, () => false)) return;
      }
      this.log(`umount ${h.target} failed: lazy unmount`, 'warn');
      await this.run(['umount', '-l', h.target]);
    } else if (h.kind === 'fat') {
      const names = readdirSync(h.dir);
      if (!names.length) return;
      await this.run(['mcopy', '-s', '-o', '-i', h.device, ...names.map((n) => join(h.dir, n)), '::/'], { env: MTOOLS_ENV }).catch((e: unknown) => {
        this.fatWriteFailed = true;
        throw e;
      });
    } else if (h.kind === 'link') {
      unlinkSync(h.path);
      this.log(`removed ${h.path}`);
      for (const d of [BY_UUID, '/dev/disk']) {
        try {
          rmdirSync(d); // only when empty: another install or udev may use it
        } catch {
          break;
        }
      }
    } else if (h.kind === 'luks') {
      await this.run(['cryptsetup', 'close', h.name]);
    } else {
      await this.run(['losetup', '-d', h.device]);
    }
  }
}
