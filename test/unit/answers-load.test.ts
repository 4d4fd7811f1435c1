import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('reports a duplicate YAML key with its line', async () => {
    const e = await failure('version: 1\nvariant: a\nvariant: b\n');
    expect(e.line).toBe(3);
    expect(e.reason).toMatch(/unique|duplicate/i);
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
    await expect(loadAnswersFile(join(dir, 'missing'))).rejects.toThrow(/cannot read: ENOENT/);
    expect((await failure('a: 1\n---\nb: 2\n')).line).toBe(2);
  });
});
