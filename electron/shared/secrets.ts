// Every secret an install or a repair carries, in one registry: where it sits in the answers and what an
// exported answer file holds instead of it. Nothing else in the engine, the CLI or the service lists secrets by
// name: they take `Secrets` (a ref → value map) from here, and the plan names a secret only by its ref.

/** How an exported answer file carries a secret: its SHA-512 crypt hash, as it is (already a hash), or null. */
export type ExportAs = 'hash' | 'as-is' | 'null';

export const SECRET_FIELDS = {
  'user.password': { path: ['user', 'password'], exportAs: 'hash', hashKey: 'password-hash' },
  'user.password-hash': { path: ['user', 'password-hash'], exportAs: 'as-is' },
  'root.password': { path: ['root', 'password'], exportAs: 'hash', hashKey: 'password-hash' },
  'root.password-hash': { path: ['root', 'password-hash'], exportAs: 'as-is' },
  // A hash cannot unlock a disk: the exported file says null, and a person (or QA) fills it in.
  'encryption.passphrase': { path: ['encryption', 'passphrase'], exportAs: 'null' },
} as const satisfies Record<string, { path: readonly [string, string]; exportAs: ExportAs; hashKey?: string }>;

/** A secret as the plan names it (the value is resolved at run time, never stored in the plan). */
export type SecretRef = keyof typeof SECRET_FIELDS;

export const SECRET_REFS = Object.keys(SECRET_FIELDS) as SecretRef[];

/** The secrets of one run, by ref. */
export type Secrets = Partial<Record<SecretRef, string>>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The secrets an answers object holds (strings only; validation has checked the rest). */
export function secretsOf(answers: unknown): Secrets {
  const out: Secrets = {};
  for (const ref of SECRET_REFS) {
    const [group, key] = SECRET_FIELDS[ref].path;
    const holder = isObj(answers) ? answers[group] : undefined;
    const v = isObj(holder) ? holder[key] : undefined;
    if (typeof v === 'string') out[ref] = v;
  }
  return out;
}

/** The values to hide from every log line and event (a hash is a secret too: it can be attacked offline). */
export function secretValues(s: Secrets): string[] {
  return SECRET_REFS.map((r) => s[r]).filter((v): v is string => !!v);
}
