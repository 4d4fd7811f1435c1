// The one registry of secrets: each is found in the answers where the registry says, hidden from the log by
// its value, and leaves an exported answer file as the registry says (a hash, as it is, or null).
import { describe, expect, it } from 'vitest';
import { SECRET_FIELDS, SECRET_REFS, secretsOf, secretValues } from '../../electron/shared/secrets.ts';
import { exportAnswers } from '../../electron/engine/answers/export.ts';
import { sha512Crypt } from '../../electron/engine/answers/sha512-crypt.ts';

const answers = {
  version: 1,
  user: { name: 'alice', password: 'user secret 1' },
  root: { 'password-hash': '$6$salt$hash' },
  encryption: { passphrase: 'disk secret 12' },
};

describe('the secrets registry', () => {
  it('names every secret once, each with where it sits in the answers', () => {
    expect(SECRET_REFS).toEqual(['user.password', 'user.password-hash', 'root.password', 'root.password-hash', 'encryption.passphrase']);
    for (const ref of SECRET_REFS) expect(SECRET_FIELDS[ref].path.join('.')).toBe(ref);
  });

  it('takes each secret from its place in the answers, and its values to hide', () => {
    const s = secretsOf(answers);
    expect(s).toEqual({ 'user.password': 'user secret 1', 'root.password-hash': '$6$salt$hash', 'encryption.passphrase': 'disk secret 12' });
    expect(secretValues(s).sort()).toEqual(['$6$salt$hash', 'disk secret 12', 'user secret 1']);
    expect(secretsOf({ encryption: { passphrase: null } })).toEqual({});
  });

  it('an exported file: the password as its hash, a hash as it is, the passphrase as null (no hash unlocks a disk)', async () => {
    const out = (await exportAnswers(answers, async (pws) => pws.map((p) => sha512Crypt(p, 'saltsalt')))) as typeof answers & { user: Record<string, unknown>; encryption: Record<string, unknown> };
    expect(out.user).toEqual({ name: 'alice', 'password-hash': sha512Crypt('user secret 1', 'saltsalt') });
    expect(out.root).toEqual({ 'password-hash': '$6$salt$hash' });
    expect(out.encryption).toEqual({ passphrase: null });
    expect(JSON.stringify(out)).not.toContain('disk secret 12');
    expect(JSON.stringify(out)).not.toContain('user secret 1');
    // The answers given are not changed.
    expect(answers.encryption.passphrase).toBe('disk secret 12');
  });
});
