// `encryption.passphrase-file`: root's alone (owned by root, no group or other bits), a regular file within
// the cap; its one trailing line ending is not part of the passphrase. Anything else is a problem with the
// file named, before anything is planned.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withPassphraseFile } from '../../electron/engine/answers/passphrase-file.ts';

const isRoot = process.getuid?.() === 0;
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lk-passfile-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content, { mode });
  chmodSync(p, mode);
  return p;
}
const answers = (path: string) => ({ version: 1, encryption: { 'passphrase-file': path } });
const codes = async (path: string) => {
  const r = await withPassphraseFile(answers(path));
  return r.ok ? [] : r.problems.map((p) => [p.path, p.code]);
};

describe('the passphrase file', () => {
  it.skipIf(!isRoot)('mode 0600, owned by root: read, one trailing line ending dropped, the file key gone (needs root to own it)', async () => {
    const r = await withPassphraseFile(answers(file('ok', 'correct horse battery\n')));
    expect(r).toEqual({ ok: true, raw: { version: 1, encryption: { passphrase: 'correct horse battery' } } });
    const crlf = await withPassphraseFile(answers(file('crlf', 'two lines\nkept\r\n', 0o400)));
    expect(crlf.ok && (crlf.raw as { encryption: { passphrase: string } }).encryption.passphrase).toBe('two lines\nkept');
  });

  it('readable or writable by others: refused, with the mode to change', async () => {
    const p = file('open', 'correct horse battery\n', 0o644);
    expect(await codes(p)).toEqual([['encryption.passphrase-file', isRoot ? 'encryption.file-mode' : 'encryption.file-owner']]);
  });

  it.skipIf(!isRoot)('owned by another user: refused, whatever its mode (needs root to chown)', async () => {
    const p = file('theirs', 'correct horse battery\n');
    chownSync(p, 1000, 1000);
    expect(await codes(p)).toEqual([['encryption.passphrase-file', 'encryption.file-owner']]);
  });

  it('missing, a folder, or a relative path: refused naming the file', async () => {
    expect(await codes(join(dir, 'none'))).toEqual([['encryption.passphrase-file', 'encryption.file-unreadable']]);
    mkdirSync(join(dir, 'folder'), { mode: 0o700 });
    if (isRoot) expect(await codes(join(dir, 'folder'))).toEqual([['encryption.passphrase-file', 'encryption.file-unreadable']]);
    expect(await codes('relative/pass')).toEqual([['encryption.passphrase-file', 'encryption.file-relative']]);
  });

  it('answers without a passphrase file come back as they are', async () => {
    const a = { version: 1, encryption: { passphrase: 'x' } };
    expect(await withPassphraseFile(a)).toEqual({ ok: true, raw: a });
  });
});
