// Answer files: JSON when the content starts with `{`, else YAML (1.2, no custom tags).
// Only parsing happens here; validateAnswers checks the shape and meaning.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';

export class AnswersFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'AnswersFileError';
  }
}

const MAX_BYTES = 1024 * 1024;

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Where JSON.parse failed: Node reports "position N" or "line L column C". */
function jsonErrorLine(text: string, message: string): number {
  const lc = /line (\d+) column \d+/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(message);
  if (pos) return lineAt(text, Number(pos[1]));
  if (/end of (JSON|data) input/i.test(message)) return text.split('\n').length;
  return lineAt(text, firstBadOffset(text));
}

/**
 * Where JSON goes wrong when V8 does not say: the shortest prefix that fails for another reason
 * than ending early. Prefixes of a valid beginning only ever "end early", so a binary search works.
 */
function firstBadOffset(text: string): number {
  const bad = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (e) {
      const msg = (e as Error).message;
      const pos = /position (\d+)/.exec(msg);
      if (pos) return Number(pos[1]) < k; // failing at the cut itself only means "ended early"
      return !/end of (JSON|data) input/i.test(msg);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bad(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function parseAnswersText(text: string, file: string): unknown {
  if (text.trim() === '') throw new AnswersFileError(file, 0, 'the file is empty');
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      throw new AnswersFileError(file, jsonErrorLine(text, msg), `invalid JSON: ${msg}`);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = lineCounter.linePos(err.pos[0]).line;
    throw new AnswersFileError(file, line, `invalid YAML: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 50 });
}

export async function loadAnswersFile(path: string): Promise<unknown> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new AnswersFileError(path, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.length > MAX_BYTES) throw new AnswersFileError(path, 0, `too large (${buf.length} bytes; an answer file is a few hundred)`);
  return parseAnswersText(buf.toString('utf8'), path);
}
