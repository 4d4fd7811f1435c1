// Reads a file a person named (--config, --cmdline-file, an autoinstall answer file on the medium or a
// labelled volume): a regular file only, at most INPUT_MAX_BYTES. /dev/zero would grow the process without
// end, /dev/urandom too, and a FIFO would block the open until a writer comes. So: stat first and refuse
// anything else before opening, open with O_NONBLOCK (a FIFO swapped in meanwhile does not block), and
// fstat the open descriptor (what is read is what was checked: no TOCTOU). Problems are codes under
// `validation:file.*`.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { englishMessage } from './answers/messages.ts';

/** An answer file is a few hundred bytes, a kernel command line at most a few KiB. */
export const INPUT_MAX_BYTES = 1024 * 1024;

/** /dev/null (character device 1:3): the usual way to say "an empty file", e.g. `--cmdline-file /dev/null`. */
const DEV_NULL_RDEV = (1 << 8) | 3;

export type FileKind = 'directory' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

export class InputFileError extends Error {
  /** The reason in English, without the path. */
  readonly reason: string;
  constructor(
    readonly path: string,
    /** A key under `validation:file.` */
    readonly code: 'missing' | 'unreadable' | 'not-regular' | 'too-large' | 'changed',
    readonly params: Record<string, string | number>,
  ) {
    const reason = englishMessage(inputFileKey(code, params), params);
    super(`${path}: ${reason}`);
    this.reason = reason;
    this.name = 'InputFileError';
  }

  /** The reason's key in `validation` (without the path); a special file's names its kind. */
  get key(): string {
    return inputFileKey(this.code, this.params);
  }
}

function inputFileKey(code: InputFileError['code'], params: Record<string, string | number>): string {
  return code === 'not-regular' ? `file.not-regular.${String(params.kind)}` : `file.${code}`;
}

function kindOf(s: Stats): FileKind {
  if (s.isDirectory()) return 'directory';
  if (s.isCharacterDevice()) return 'char-device';
  if (s.isBlockDevice()) return 'block-device';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  return 'other';
}

const isDevNull = (s: Stats) => s.isCharacterDevice() && s.rdev === DEV_NULL_RDEV;

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

export interface ReadInputOptions {
  maxBytes?: number;
  /** Accept /dev/null as an empty file (the kernel command line's stand-in in tests and scripts). */
  allowDevNull?: boolean;
}

/** The file's bytes; throws InputFileError for a missing, special, oversized or unreadable file. */
export async function readInputFile(path: string, opts: ReadInputOptions = {}): Promise<Buffer> {
  const max = opts.maxBytes ?? INPUT_MAX_BYTES;
  const acceptable = (s: Stats) => s.isFile() || (opts.allowDevNull === true && isDevNull(s));
  let before: Stats;
  try {
    before = await stat(path);
  } catch (e) {
    throw new InputFileError(path, errno(e) === 'ENOENT' ? 'missing' : 'unreadable', { reason: errno(e) });
  }
  if (!acceptable(before)) throw new InputFileError(path, 'not-regular', { kind: kindOf(before) });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputFileError(path, 'unreadable', { reason: errno(e) });
  }
  try {
    const now = await fh.stat();
    if (!acceptable(now)) throw new InputFileError(path, 'not-regular', { kind: kindOf(now) });
    if (now.dev !== before.dev || now.ino !== before.ino) throw new InputFileError(path, 'changed', {});
    // Read to the end, not to st_size: /proc files say 0 and have content; a file may grow meanwhile.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(64 * 1024, max + 1 - total));
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (e) {
        throw new InputFileError(path, 'unreadable', { reason: errno(e) });
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > max) throw new InputFileError(path, 'too-large', { max: formatMax(max) });
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

function formatMax(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
