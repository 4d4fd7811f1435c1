// Answer files: JSON when the content starts with `{`, else YAML 1.2 as plain data: no aliases (an alias
// bomb, an unresolved one), no tags (`!custom` would be ignored), no key given twice (in YAML or JSON; the
// last one would silently win). Each refusal names its line. Only parsing happens here; validateAnswers
// checks the shape and meaning.
import { isAlias, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { InputFileError, readInputFile } from '../input-file.ts';
import { englishMessage } from './messages.ts';

export class AnswersFileError extends Error {
  /** The reason in English (logs, the autoinstall result). */
  readonly reason: string;
  constructor(
    readonly file: string,
    /** 1-based; 0 for the whole file. */
    readonly line: number,
    /** The reason's key in the `validation` namespace (`file.alias`, `file.not-regular.fifo`...). */
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    const reason = englishMessage(key, params);
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.reason = reason;
    this.name = 'AnswersFileError';
  }
}

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

/**
 * The first key an object of this (valid) JSON text gives twice, and where: JSON.parse keeps the last
 * one silently. A scan of the tokens that matter: strings, brackets, commas.
 */
export function duplicateJsonKey(text: string): { key: string; offset: number } | undefined {
  const objects: (Set<string> | null)[] = []; // null: an array
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = objects[objects.length - 1];
      if (keys && keyNext) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      objects.push(c === '{' ? new Set() : null);
      keyNext = c === '{';
    } else if (c === '}' || c === ']') {
      objects.pop();
      keyNext = false;
    } else if (c === ',') {
      keyNext = objects[objects.length - 1] != null;
    }
  }
  return undefined;
}

function parseJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    throw new AnswersFileError(file, jsonErrorLine(text, msg), 'file.json', { detail: msg });
  }
  const dup = duplicateJsonKey(text);
  if (dup) throw new AnswersFileError(file, lineAt(text, dup.offset), 'file.duplicate-key', { key: dup.key });
  return value;
}

/** `tag:yaml.org,2002:str` as it is written, `!!str`. */
const tagAsWritten = (tag: string) => tag.replace(/^tag:yaml\.org,2002:/, '!!');

/** The first alias or explicit tag in document order, with its offset. */
function aliasOrTag(doc: Document): { key: string; params: Record<string, string>; offset: number } | undefined {
  let found: ReturnType<typeof aliasOrTag>;
  visit(doc, (_key, node) => {
    if (isAlias(node)) found = { key: 'file.alias', params: { anchor: node.source }, offset: node.range?.[0] ?? 0 };
    else if (isNode(node) && node.tag) found = { key: 'file.tag', params: { tag: tagAsWritten(node.tag) }, offset: node.range?.[0] ?? 0 };
    return found ? visit.BREAK : undefined;
  });
  return found;
}

/** The key that starts at `offset` (where the parser reports a duplicate), as written. */
function yamlKeyAt(doc: Document, offset: number): string {
  let key = '?';
  visit(doc, {
    Pair(_k, pair) {
      if (isNode(pair.key) && pair.key.range?.[0] === offset) {
        key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return key;
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = lineCounter.linePos(err.pos[0]).line;
    if (err.code === 'DUPLICATE_KEY') throw new AnswersFileError(file, line, 'file.duplicate-key', { key: yamlKeyAt(doc, err.pos[0]) });
    throw new AnswersFileError(file, line, 'file.yaml', { detail: err.message.split('\n')[0]! });
  }
  const bad = aliasOrTag(doc);
  if (bad) throw new AnswersFileError(file, lineCounter.linePos(bad.offset).line, bad.key, bad.params);
  return doc.toJS();
}

export function parseAnswersText(text: string, file: string): unknown {
  if (text.trim() === '') throw new AnswersFileError(file, 0, 'file.empty');
  return /^\s*[{[]/.test(text) ? parseJson(text, file) : parseYaml(text, file);
}

/** Reads (a regular file, at most 1 MiB: see input-file.ts) and parses an answer file. */
export async function loadAnswersFile(path: string): Promise<unknown> {
  let buf: Buffer;
  try {
    buf = await readInputFile(path);
  } catch (e) {
    if (e instanceof InputFileError) throw new AnswersFileError(path, 0, e.key, e.params);
    throw e;
  }
  return parseAnswersText(buf.toString('utf8'), path);
}
