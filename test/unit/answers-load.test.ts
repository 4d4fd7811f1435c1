import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// (The special files: test/unit/input-file.test.ts; the CLI's exit 2 for each: test/unit/cli-input-files.test.ts.)
import { AnswersFileError, loadAnswersFile } from '../../electron/engine/answers/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'livekit-answers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string): string => {
  const p = join(dir, `a${n++}`);
  writeFileSync(p, text);
  return p;
};

async function failure(text: string): Promise<AnswersFileError> {
  const p = file(text);
  const e = await loadAnswersFile(p).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AnswersFileError);
  expect((e as AnswersFileError).file).toBe(p);
  return e as AnswersFileError;
}

describe('loadAnswersFile', () => {
  it('reads YAML (comments, quoting) and JSON by content, whatever the file name', async () => {
    const yaml = 'version: 1\nvariant: desktop   # the variant\ntarget:\n  disk: /dev/sdb\nuser:\n  name: alice\n  password: "se:cret"\n';
    expect(await loadAnswersFile(file(yaml))).toEqual({
      version: 1,
      variant: 'desktop',
      target: { disk: '/dev/sdb' },
      user: { name: 'alice', password: 'se:cret' },
    });
    expect(await loadAnswersFile(file('  {"version": 1, "variant": "server"}\n'))).toEqual({ version: 1, variant: 'server' });
  });

  it('keeps YAML 1.2 scalars as written (no yes → true, no octal surprises)', async () => {
    expect(await loadAnswersFile(file('hostname: yes\nrtc: local\nn: 0123\n'))).toEqual({ hostname: 'yes', rtc: 'local', n: 123 });
  });

  it('reports YAML errors with their line', async () => {
    const e = await failure('version: 1\nvariant: desktop\nuser:\n  name: alice\n   password: x\n');
    expect(e.line).toBe(4); // the value that swallows the next line
    expect(e.message).toMatch(/:4: invalid YAML/);
    expect((await failure('version: 1\ntarget:\n\tdisk: /dev/sdb\n')).line).toBe(3);
    expect((await failure('version: 1\nhostname: "pc\n')).reason).toMatch(/quote/);
  });

  it('reports a duplicate YAML key with its line, naming the key', async () => {
    const e = await failure('version: 1\nvariant: a\nvariant: b\n');
    expect(e.line).toBe(3);
    expect(e).toMatchObject({ key: 'file.duplicate-key', params: { key: 'variant' } });
    expect(e.reason).toBe('the key "variant" is given a second time here');
    const nested = await failure('version: 1\nuser:\n  name: a\n  password: x\n  "name": b\n');
    expect(nested).toMatchObject({ line: 5, params: { key: 'name' } });
    expect((await failure('target: {disk: /dev/sdb, disk: /dev/sda}\n'))).toMatchObject({ line: 1, params: { key: 'disk' } });
  });

  it('refuses a duplicate JSON key (JSON.parse keeps the last one silently), naming the line and the key', async () => {
    const e = await failure('{\n  "version": 1,\n  "user": {"name": "a", "password": "pw-long"},\n  "hostname": "h",\n  "hostname": "evil"\n}\n');
    expect(e).toMatchObject({ line: 5, key: 'file.duplicate-key', params: { key: 'hostname' } });
    // Nested, escaped spellings of the same key, and keys equal to values or in sibling objects.
    expect(await failure('{"user": {"name": "a",\n "na\\u006de": "b"}}')).toMatchObject({ line: 2, params: { key: 'name' } });
    expect(await loadAnswersFile(file('{"a": "b", "b": {"a": ["a", {"a": 1}]}, "c": {"a": 2}}'))).toEqual({ a: 'b', b: { a: ['a', { a: 1 }] }, c: { a: 2 } });
    expect(await loadAnswersFile(file('[{"a": 1}, {"a": 2}]'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await loadAnswersFile(file('{"a\\"": 1, "a": "x,\\"y\\":{"}'))).toEqual({ 'a"': 1, a: 'x,"y":{' });
  });

  it('refuses YAML aliases (an alias bomb, an unresolved alias, a merge key), naming the line', async () => {
    const bomb = ['version: 1', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const c of 'bcdefghi') bomb.push(`${c}: &${c} [${Array(9).fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`).join(',')}]`);
    const e = await failure(`${bomb.join('\n')}\n`);
    expect(e).toMatchObject({ line: 3, key: 'file.alias', params: { anchor: 'a' } });
    expect(e.reason).toMatch(/aliases \(\*a\) are not accepted/);
    expect(await failure('version: 1\nhostname: *nowhere\n')).toMatchObject({ line: 2, key: 'file.alias', params: { anchor: 'nowhere' } });
    expect(await failure('base: &b {name: a}\nuser:\n  <<: *b\n')).toMatchObject({ line: 3, key: 'file.alias' });
    // An anchor nothing refers to is harmless.
    expect(await loadAnswersFile(file('hostname: &h pc\n'))).toEqual({ hostname: 'pc' });
  });

  it('refuses YAML tags, custom or standard, naming the line and the tag as written', async () => {
    expect(await failure('version: 1\nhostname: !custom pc\n')).toMatchObject({ line: 2, key: 'file.tag', params: { tag: '!custom' } });
    expect(await failure('version: 1\nuser:\n  password: !!binary cGFzc3dvcmQ=\n')).toMatchObject({ line: 3, params: { tag: '!!binary' } });
    expect(await failure('version: !!str 1\n')).toMatchObject({ line: 1, params: { tag: '!!str' } });
    expect(await failure('!!str hostname: pc\n')).toMatchObject({ line: 1, params: { tag: '!!str' } });
  });

  it('reports JSON errors with their line', async () => {
    const e = await failure('{\n  "version": 1,\n  "variant": "desktop",,\n}\n');
    expect(e.line).toBe(3);
    expect(e.reason).toMatch(/invalid JSON/);
  });

  it('reports the line of a bad JSON value even when V8 names no position', async () => {
    const e = await failure('{\n  "version": 1,\n  "variant": tru\n}\n');
    expect(e.line).toBe(3);
  });

  it('reports an unterminated JSON document at its last line', async () => {
    const e = await failure('{\n  "version": 1,\n');
    expect(e.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses an empty file, a missing file and multiple YAML documents', async () => {
    expect((await failure('\n  \n')).reason).toMatch(/empty/);
    await expect(loadAnswersFile(join(dir, 'missing'))).rejects.toThrow(/missing: no such file$/);
    expect((await failure('a: 1\n---\nb: 2\n')).line).toBe(2);
  });
});
