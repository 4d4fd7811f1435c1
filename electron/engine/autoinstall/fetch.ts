// Reads the answer file an AnswersSource names: from the Live medium, from a volume found by its label
// (mounted read-only in a private folder, always unmounted), or over http(s). Effects only.
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { INPUT_MAX_BYTES, InputFileError, readInputFile } from '../input-file.ts';
import type { AnswersSource } from './source.ts';

const MAX_BYTES = INPUT_MAX_BYTES;

export class FetchError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'FetchError';
  }
}

export function describeSource(s: AnswersSource): string {
  return s.kind === 'url' ? s.url : s.kind === 'label' ? `LABEL=${s.label}:${s.path}` : s.path;
}

/** The block device holding a filesystem with this label (blkid reads it; there is no udev here). */
export async function deviceOfLabel(label: string): Promise<string | undefined> {
  const r = await execa('blkid', ['-L', label], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The answers' text, and the block device it was read from (a labelled volume), if any. */
export interface FetchedAnswers {
  text: string;
  device?: string;
}

/** Mounts the labelled volume at a private folder for `use`, then unmounts it, whatever `use` did. */
export async function withLabelVolume<T>(label: string, mode: 'ro' | 'rw', use: (dir: string, device: string) => Promise<T>): Promise<T> {
  const device = await deviceOfLabel(label);
  if (!device) throw new FetchError(`LABEL=${label}`, 'no filesystem with this label');
  const dir = await mkdtemp(join(tmpdir(), 'livekit-answers-'));
  try {
    await execa('mount', ['-o', mode, device, dir]);
    try {
      return await use(dir, device);
    } finally {
      await execa('umount', [dir], { reject: false });
    }
  } finally {
    await rmdir(dir).catch(() => {});
  }
}

/** A regular file of at most 1 MiB (a FIFO or a device on the answers volume is refused, never read). */
async function readLimited(path: string, source: string): Promise<string> {
  try {
    return (await readInputFile(path)).toString('utf8');
  } catch (e) {
    if (e instanceof InputFileError) throw new FetchError(source, e.reason);
    throw new FetchError(source, (e as Error).message);
  }
}

/** The body, read until MAX_BYTES at most (an endless or huge body is cut off, never held whole). */
async function limitedBody(res: Response, source: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return '';
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new FetchError(source, (e as Error).message);
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > MAX_BYTES) {
      await reader.cancel().catch(() => {});
      throw new FetchError(source, 'larger than 1 MiB');
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function fetchAnswers(s: AnswersSource, mediumDir: string): Promise<FetchedAnswers> {
  const name = describeSource(s);
  switch (s.kind) {
    case 'medium':
      return { text: await readLimited(join(mediumDir, s.path), name) };
    case 'label':
      return withLabelVolume(s.label, 'ro', async (dir, device) => ({ text: await readLimited(join(dir, s.path), name), device }));
    case 'url': {
      let res: Response;
      try {
        res = await fetch(s.url, { signal: AbortSignal.timeout(60_000) });
      } catch (e) {
        throw new FetchError(name, (e as Error).message);
      }
      if (!res.ok) throw new FetchError(name, `HTTP ${res.status}`);
      return { text: await limitedBody(res, name) };
    }
  }
}
