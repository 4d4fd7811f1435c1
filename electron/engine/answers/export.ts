// "Export answers": the wizard's answers as an answer file, each password replaced by its SHA-512
// crypt hash, so that `livekit validate` and `livekit install` accept the file as it is. A password the
// rules refuse is refused here too, before anything is hashed: a hash would hide it from validation.
import { CodedError } from '../run/coded-error.ts';
import type { HashPasswords } from './hash-worker.ts';
import { englishMessage } from './messages.ts';
import { checkPassword, type Finding } from './rules.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A password breaks a rule; `problem` is its code in the `validation` namespace, with the rule's params. */
export class ExportRefusedError extends CodedError {
  constructor(path: string, finding: Finding) {
    super('export-refused', { path, problem: finding.code, ...finding.params }, `not exported: ${path}: ${englishMessage(finding.code, finding.params)}`);
    this.name = 'ExportRefusedError';
  }
}

const ACCOUNTS = ['user', 'root'] as const;

/** The exportable answers; `hash` hashes the passwords (the service: in a worker thread). */
export async function exportAnswers(raw: Record<string, unknown>, hash: HashPasswords): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...raw };
  const withPassword: { key: (typeof ACCOUNTS)[number]; rest: Record<string, unknown>; password: string }[] = [];
  for (const key of ACCOUNTS) {
    const account = raw[key];
    if (!isObj(account)) continue;
    const { password, ...rest } = account;
    // An empty (or absent) password is dropped, leaving validation to say so.
    if (typeof password !== 'string' || password === '') {
      out[key] = rest;
      continue;
    }
    const refused = checkPassword(password)[0];
    if (refused) throw new ExportRefusedError(`${key}.password`, refused);
    withPassword.push({ key, rest, password });
  }
  const hashes = withPassword.length ? await hash(withPassword.map((a) => a.password)) : [];
  withPassword.forEach((a, i) => (out[a.key] = { ...a.rest, 'password-hash': hashes[i] }));
  return out;
}
