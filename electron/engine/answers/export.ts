// "Export answers": the wizard's answers as an answer file, each password replaced by its SHA-512
// crypt hash, so that `livekit validate` and `livekit install` accept the file as it is.
import { hashPassword } from './sha512-crypt.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ password }` → `{ 'password-hash' }` (an empty password is dropped, leaving validation to say so). */
function hashed(account: Record<string, unknown>, hash: (pw: string) => string): Record<string, unknown> {
  const { password, ...rest } = account;
  if (typeof password !== 'string' || password === '') return rest;
  return { ...rest, 'password-hash': hash(password) };
}

export function exportableAnswers(raw: Record<string, unknown>, hash: (pw: string) => string = hashPassword): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (isObj(raw.user)) out.user = hashed(raw.user, hash);
  if (isObj(raw.root)) out.root = hashed(raw.root, hash);
  return out;
}
