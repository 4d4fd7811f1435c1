// Pure: may the engine write to this path? Logs, results and the service's URL file are only ever new
// files or files of ours: never a device, FIFO, socket, folder or symlink, never the answer file or a
// planned target, never on the Live medium (by identity, see disks/live-place.ts), and an existing file
// only when its first bytes show that LiveKit wrote it. The effects that gather the facts are output-file.ts.
import type { FileId, LiveIdentities, MachineFacts, Place } from '../../shared/facts.ts';
import type { Plan } from '../../shared/plan.ts';
import type { InstallEventType } from '../../shared/events.ts';
import { livePlaceOf } from '../disks/live-place.ts';

/** What stands at a path: lstat's type, never followed. */
export type OutputKind = 'file' | 'directory' | 'symlink' | 'device' | 'fifo' | 'socket';

export interface OutputFacts {
  file: string;
  /** Absent: nothing is there yet. */
  kind?: OutputKind;
  place: Place;
  /** The first HEAD_BYTES bytes of an existing regular file. */
  head?: string;
}

/** What else must never be written: the answer file, the targets, the medium. */
export interface OutputGuard {
  answersFile?: FileId;
  targets?: { path: string; id: FileId }[];
  live?: LiveIdentities;
}

export type OutputRefusalCode =
  | 'output-device'
  | 'output-fifo'
  | 'output-socket'
  | 'output-directory'
  | 'output-symlink'
  | 'output-answers-file'
  | 'output-target'
  | 'output-live-medium'
  | 'output-not-ours'
  | 'output-unusable';

export interface OutputRefusal {
  code: OutputRefusalCode;
  params: Record<string, string>;
}

/** Enough to recognise each kind of file of ours by its start. */
export const HEAD_BYTES = 64;

/** Recognises an existing file of ours by its first bytes (an empty file is anyone's to fill). */
export type Ours = (head: string) => boolean;

const EVENT_TYPES: Record<InstallEventType, true> = { plan: true, step: true, progress: true, log: true, error: true, cancelled: true, done: true };

/** The engine's log: one JSON event per line, each written with `type` as its first key. */
export const isLiveKitLog: Ours = (head) => {
  if (head === '') return true;
  const m = /^\{"type":"([a-z]+)"/.exec(head);
  return !!m && m[1]! in EVENT_TYPES;
};

/** The autoinstall result (`livekit-result.json`), whose first key is `exitCode`. */
export const isAutoinstallResult: Ours = (head) => head === '' || head.startsWith('{"exitCode":');

/** The autoinstall's `after` file: one word. */
export const isAfterFile: Ours = (head) => /^((poweroff|reboot|shell)\n?)?$/.test(head);

/** The service's URL file: one URL. */
export const isUrlFile: Ours = (head) => head === '' || /^https?:\/\//.test(head);

const KIND_CODE: Partial<Record<OutputKind, OutputRefusalCode>> = {
  device: 'output-device',
  fifo: 'output-fifo',
  socket: 'output-socket',
  directory: 'output-directory',
  symlink: 'output-symlink',
};

/**
 * Why `f` must not be written (null: it may). What it is comes first (the answer file, a target, the
 * medium), then what kind of thing stands there, then whether an existing file is ours. `ours` absent:
 * not judged yet (a check before the answers are read).
 */
export function outputRefusal(f: OutputFacts, guard: OutputGuard, ours?: Ours): OutputRefusal | null {
  const file = f.file;
  const id = f.place.id;
  if (id !== undefined && id === guard.answersFile) return { code: 'output-answers-file', params: { file } };
  const target = id === undefined ? undefined : guard.targets?.find((t) => t.id === id);
  if (target) return { code: 'output-target', params: { file, disk: target.path } };
  const live = livePlaceOf(f.place, guard.live);
  if (live) return { code: 'output-live-medium', params: { file, live } };
  if (f.kind === undefined || f.kind === 'file') {
    if (f.kind === 'file' && ours && !ours(f.head ?? '')) return { code: 'output-not-ours', params: { file } };
    return null;
  }
  return { code: KIND_CODE[f.kind]!, params: { file } };
}

/** What a plan's log must not be: the answer file it came from, its image target, anything on the medium. */
export function guardForPlan(plan: Pick<Plan, 'erase'>, machine: Pick<MachineFacts, 'disks' | 'liveIds'>, answersFile?: Place): OutputGuard {
  const image = plan.erase?.image ? machine.disks.find((d) => d.path === plan.erase!.path) : undefined;
  return {
    ...(answersFile?.id ? { answersFile: answersFile.id } : {}),
    ...(image?.place?.id ? { targets: [{ path: image.path, id: image.place.id }] } : {}),
    ...(machine.liveIds ? { live: machine.liveIds } : {}),
  };
}
