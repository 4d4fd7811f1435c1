// "Export answers": the wizard's answers as an answer file, each password replaced by its SHA-512
// crypt hash, so that `livekit validate` and `livekit install` accept the file as it is. A password the
// rules refuse is refused here too, before anything is hashed: a hash would hide it from validation.
import { CodedError } from '../run/coded-error.ts';
import type { HashPasswords } from './hash-worker.ts';
import { englishMessage } from './messages.ts';
import { checkPassword, type Finding } from './rules.ts';
import { SECRET_FIELDS, SECRET_REFS } from '../../shared/secrets.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A password breaks a rule; `problem` is its code in the `validation` namespace, with the rule's params. */
export class ExportRefusedError extends CodedError {
  constructor(path: string, finding: Finding) {
    super('export-refused', { path, problem: finding.code, ...finding.params }, `not exported: ${path}: ${englishMessage(finding.code, finding.params)}`);
    this.name = 'ExportRefusedError';
  }
}

type Hashed = { group: string; key: string; hashKey: string; password: string };

/**
 * The exportable answers (shared/secrets.ts says how each secret leaves): a password as its hash (`hash`: the
 * service hashes in a worker thread), a secret no hash can stand for (a disk passphrase) as null.
 */
export async function exportAnswers(raw: Record<string, unknown>, hash: HashPasswords): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...raw };
  const group = (g: string): Record<string, unknown> | undefined => {
    if (!isObj(out[g])) return undefined;
    if (out[g] === raw[g]) out[g] = { ...(raw[g] as Record<string, unknown>) }; // copied before it is changed
    return out[g] as Record<string, unknown>;
  };
  const toHash: Hashed[] = [];
  for (const ref of SECRET_REFS) {
    const field = SECRET_FIELDS[ref];
    const [g, key] = field.path;
    const holder = group(g);
    if (!holder || !(key in holder)) continue;
    if (field.exportAs === 'null') {
      holder[key] = null;
      continue;
    }
    if (field.exportAs !== 'hash') continue;
    const password = holder[key];
    delete holder[key];
    // An empty (or absent) password is dropped, leaving validation to say so.
    if (typeof password !== 'string' || password === '') continue;
    const refused = checkPassword(password)[0];
    if (refused) throw new ExportRefusedError(`${g}.${key}`, refused);
    toHash.push({ group: g, key, hashKey: field.hashKey, password });
  }
  const hashes = toHash.length ? await hash(toHash.map((a) => a.password)) : [];
  toHash.forEach((a, i) => (group(a.group)![a.hashKey] = hashes[i]));
  return out;
}
