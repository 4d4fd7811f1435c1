// Effects: `encryption: { passphrase-file: PATH }` read as the passphrase. The file holds a disk's key, so it
// must be root's alone (owned by root, mode 0600 or stricter: no one else may read or change it), and a regular
// file read with the input files' cap; its one trailing line ending, which an editor adds, is not part of it.
import { stat } from 'node:fs/promises';
import { InputFileError, readInputFile } from '../input-file.ts';
import type { Finding, Problem } from '../../shared/problem.ts';
import { englishMessage } from './messages.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function problem(f: Finding): Problem {
  return { path: 'encryption.passphrase-file', code: f.code, ...(f.params ? { params: f.params } : {}), message: englishMessage(f.code, f.params) };
}

/**
 * The answers with a passphrase file's content as `encryption.passphrase` (in memory only), or the problems
 * with the file. Answers without a passphrase file come back as they are.
 */
export async function withPassphraseFile(raw: unknown): Promise<{ ok: true; raw: unknown } | { ok: false; problems: Problem[] }> {
  const enc = isObj(raw) ? raw.encryption : undefined;
  const file = isObj(enc) ? enc['passphrase-file'] : undefined;
  if (typeof file !== 'string' || !isObj(raw) || !isObj(enc)) return { ok: true, raw };
  if (!file.startsWith('/')) return { ok: false, problems: [problem({ code: 'encryption.file-relative', params: { file } })] };
  let text: string;
  try {
    const st = await stat(file);
    if (st.uid !== 0) return { ok: false, problems: [problem({ code: 'encryption.file-owner', params: { file, uid: st.uid } })] };
    if ((st.mode & 0o077) !== 0) return { ok: false, problems: [problem({ code: 'encryption.file-mode', params: { file, mode: (st.mode & 0o777).toString(8).padStart(4, '0') } })] };
    text = (await readInputFile(file, { maxBytes: 64 * 1024 })).toString('utf8');
  } catch (e) {
    const reason = e instanceof InputFileError ? e.reason : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    return { ok: false, problems: [problem({ code: 'encryption.file-unreadable', params: { file, reason } })] };
  }
  const { 'passphrase-file': _read, ...rest } = enc;
  return { ok: true, raw: { ...raw, encryption: { ...rest, passphrase: text.replace(/\r?\n$/, '') } } };
}
