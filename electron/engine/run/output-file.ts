// Effects: the one way the engine opens a file it writes outside a target (its log, the autoinstall's
// results, the service's URL file) and the log's copy into a target. Every check of output-rules.ts runs
// before anything is opened for writing; a new file is created exclusively (O_EXCL), an existing log is
// opened without following a link or blocking on a FIFO (O_NOFOLLOW|O_NONBLOCK) and judged again by what
// was opened (fstat), and nothing is ever truncated: logs are appended to, results replaced by a rename.
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CodedError } from './coded-error.ts';
import { fileId, placeOf } from '../disks/place.ts';
import { HEAD_BYTES, isLiveKitLog, outputRefusal, type OutputFacts, type OutputGuard, type OutputKind, type OutputRefusal, type Ours } from './output-rules.ts';

const { O_RDONLY, O_RDWR, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** A path the engine will not write: the refusal as data (`app:failed.errors.<code>`), the file untouched. */
export class OutputFileError extends CodedError {
  constructor(readonly refusal: OutputRefusal) {
    super(refusal.code, refusal.params, `Refusing to write ${refusal.params['file']}: ${refusal.code.replace(/^output-/, '')}${refusal.params['reason'] ? ` (${refusal.params['reason']})` : ''}; it was left as it was`);
    this.name = 'OutputFileError';
  }
}

function unusable(file: string, e: unknown): OutputFileError {
  const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new OutputFileError({ code: 'output-unusable', params: { file, reason } });
}

function kindOf(st: Stats | BigIntStats): OutputKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/** The first bytes of an open file, read in place (pread: an appending fd's position is not moved). */
function headOf(fd: number): string {
  const buf = Buffer.alloc(HEAD_BYTES);
  return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('utf8');
}

/** What stands at `file`, without following a final link or opening anything but a regular file to read. */
export function outputFacts(file: string): OutputFacts {
  let st: Stats | undefined;
  let place;
  try {
    st = lstatSync(file, { throwIfNoEntry: false });
    place = placeOf(file);
  } catch (e) {
    throw unusable(file, e);
  }
  if (!st) return { file, place };
  const kind = kindOf(st);
  if (kind !== 'file') return { file, kind, place };
  let fd: number | undefined;
  try {
    fd = openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    return { file, kind, place, head: headOf(fd) };
  } catch (e) {
    throw unusable(file, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Throws OutputFileError when `file` must not be written; opens nothing for writing. */
export function checkOutput(file: string, guard: OutputGuard = {}, ours?: Ours): void {
  const refusal = outputRefusal(outputFacts(file), guard, ours);
  if (refusal) throw new OutputFileError(refusal);
}

/** Makes `dir` and its missing parents with plain mkdir calls: Node's recursive mkdir never returns under /proc. */
export function makeParents(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d);
}

/** An open log: new or appended to; `start` is where this run's lines begin. */
export interface OpenLog {
  fd: number;
  path: string;
  start: number;
}

/** Opens the existing `file` to append, then judges what was opened (a swap since the check is caught). */
function openExistingLog(file: string, guard: OutputGuard): OpenLog {
  let fd: number;
  try {
    fd = openSync(file, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // O_NOFOLLOW on a link: ELOOP; O_NONBLOCK on a FIFO without a reader: ENXIO; a folder: EISDIR.
    const kind = code === 'ELOOP' ? 'output-symlink' : code === 'ENXIO' ? 'output-fifo' : code === 'EISDIR' ? 'output-directory' : undefined;
    throw kind ? new OutputFileError({ code: kind, params: { file } }) : unusable(file, e);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const kind = kindOf(st);
    const facts: OutputFacts = { file, kind, place: { ...placeOf(file), id: fileId(st), dev: String(st.dev) }, ...(kind === 'file' ? { head: headOf(fd) } : {}) };
    const refusal = outputRefusal(facts, guard, isLiveKitLog);
    if (refusal) throw new OutputFileError(refusal);
    return { fd, path: file, start: Number(st.size) };
  } catch (e) {
    closeSync(fd);
    throw e instanceof OutputFileError ? e : unusable(file, e);
  }
}

/**
 * Opens the engine's log at `file`: a new file (mode 0600: it names disks, users and commands), or an
 * existing LiveKit log appended to. Anything else is refused with the file left byte-identical.
 */
export function openLog(file: string, guard: OutputGuard = {}): OpenLog {
  checkOutput(file, guard, isLiveKitLog);
  try {
    makeParents(dirname(file));
  } catch (e) {
    throw unusable(file, e);
  }
  try {
    return { fd: openSync(file, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0o600), path: file, start: 0 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(file, e);
  }
  return openExistingLog(file, guard);
}

/** Appends this run's part of `from` (from its `start`) to the log at `to`, which is new or a LiveKit log. */
export function appendLogPart(from: OpenLog, to: string): void {
  const out = openLog(to);
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let pos = from.start; ; ) {
      const n = readSync(from.fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let done = 0; done < n; ) done += writeSync(out.fd, buf, done, n - done);
      pos += n;
    }
    fchmodSync(out.fd, 0o600);
  } finally {
    closeSync(out.fd);
  }
}

/**
 * Writes `content` as the file `file`: new, or replacing a file of ours (judged by `ours`) through a
 * new file beside it renamed over it, so the old one is never opened for writing, let alone truncated.
 */
export function replaceFile(file: string, content: string | Buffer, ours: Ours, opts: { mode?: number; guard?: OutputGuard } = {}): void {
  checkOutput(file, opts.guard, ours);
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${randomUUID().slice(0, 8)}.tmp`);
  let created = false;
  try {
    makeParents(dir);
    const fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, opts.mode ?? 0o644);
    created = true;
    try {
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    if (created) rmSync(temp, { force: true });
    throw unusable(file, e);
  }
}
