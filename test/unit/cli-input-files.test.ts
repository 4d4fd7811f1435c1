// The real `bin/livekit` on input it must refuse with exit 2 and a message naming the file (and the line):
// special files as --config or --cmdline-file (/dev/zero grew the CLI to 14.7 GB, /dev/urandom and a FIFO
// hung it), YAML aliases (a bomb exited 1, "internal error"), tags and duplicate keys, JSON duplicate keys,
// and answers whose password or full name useradd/chpasswd would fail on after the disk was erased.
// A hang is killed after KILL_MS and fails its test; no timing is asserted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';

const KILL_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'livekit-cli-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A sysroots folder with one installable variant, so that the answers below are valid but for what is tested.
const sysroots = join(dir, 'sysroots');
mkdirSync(join(sysroots, 'desktop', 'etc'), { recursive: true });
writeFileSync(join(sysroots, 'desktop', 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');

async function validate(config: string, env: Record<string, string> = {}, extra: string[] = []) {
  const r = await execa(BIN, ['validate', '--config', config, '--sysroots', sysroots, '--cmdline-file', '/dev/null', ...extra], {
    reject: false,
    stdin: 'ignore',
    timeout: KILL_MS,
    env: { LANG: 'C.UTF-8', ...env },
  });
  expect(r.timedOut, `livekit validate --config ${config} hung`).toBe(false);
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let n = 0;
function file(text: string, ext = 'yaml'): string {
  const p = join(dir, `answers-${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

const valid = {
  version: 1,
  variant: 'desktop',
  target: { disk: join(dir, 'disk.img') },
  hostname: 'pc',
  user: { name: 'alice', fullname: 'Alice Liddell', password: 'pw-long-enough' },
};
const json = (o: unknown) => file(JSON.stringify(o, null, 2), 'json');

describe('livekit validate refuses special files with exit 2, without hanging or growing', () => {
  it('takes the valid answers (the baseline the cases below differ from)', async () => {
    const r = await validate(json(valid));
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([
    ['/dev/zero', 'is a character device'],
    ['/dev/urandom', 'is a character device'],
    ['/dev/null', 'is a character device'],
  ])('--config %s', async (path, reason) => {
    const r = await validate(path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}: ${reason}`);
  });

  it('--config FIFO (no writer: opening it for reading would block)', async () => {
    const fifo = join(dir, 'answers.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await validate(fifo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${fifo}: is a FIFO (named pipe), not a regular file`);
  });

  it('--config a directory, a missing file, a file over 1 MiB', async () => {
    expect((await validate(dir)).stderr).toContain(`${dir}: is a directory, not a file`);
    expect(await validate(join(dir, 'missing.yaml'))).toMatchObject({ code: 2, stderr: expect.stringContaining('missing.yaml: no such file') });
    const big = file(`# ${'x'.repeat(1024 * 1024)}\nversion: 1\n`);
    expect(await validate(big)).toMatchObject({ code: 2, stderr: expect.stringContaining(`${big}: is larger than 1 MiB`) });
  });

  it('--cmdline-file FIFO or /dev/zero: exit 2 naming the command line file; /dev/null is an empty one', async () => {
    const fifo = join(dir, 'cmdline.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, '/dev/zero']) {
      const r = await execa(BIN, ['validate', '--config', json(valid), '--sysroots', sysroots, '--cmdline-file', path], { reject: false, stdin: 'ignore', timeout: KILL_MS, env: { LANG: 'C.UTF-8' } });
      expect(r.timedOut).toBe(false);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`cannot read the command line file ${path}: is a (FIFO|character device)`));
    }
  });

  it('says it in Chinese under LANG=zh_CN.UTF-8 and zh_TW.UTF-8', async () => {
    expect((await validate('/dev/zero', { LANG: 'zh_CN.UTF-8' })).stderr).toContain('/dev/zero：是字符设备（如 /dev/zero），不是普通文件');
    expect((await validate('/dev/zero', { LANG: 'zh_TW.UTF-8' })).stderr).toContain('/dev/zero：是字元裝置（如 /dev/zero），不是一般檔案');
  });
});

describe('livekit validate refuses YAML aliases and tags and duplicate keys with exit 2, naming the line', () => {
  it('an alias bomb (exit 1, "internal error" before)', async () => {
    const lines = ['version: 1', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const c of 'bcdefghi') lines.push(`${c}: &${c} [${Array(9).fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`).join(',')}]`);
    const f = file(`${lines.join('\n')}\n`);
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:3: YAML aliases (*a) are not accepted`);
  });

  it('an unresolved alias', async () => {
    const f = file('version: 1\nvariant: desktop\nhostname: *nowhere\n');
    expect(await validate(f)).toMatchObject({ code: 2, stderr: expect.stringContaining(`${f}:3: YAML aliases (*nowhere) are not accepted`) });
  });

  it('a tag (ignored before: the answers were "valid"), custom or standard', async () => {
    const yaml = (hostname: string) => `version: 1\nvariant: desktop\ntarget:\n  disk: ${valid.target.disk}\nhostname: ${hostname}\nuser:\n  name: alice\n  password: pw-long-enough\n`;
    expect((await validate(file(yaml('pc')))).code).toBe(0);
    const f = file(yaml('!custom pc'));
    expect(await validate(f)).toMatchObject({ code: 2, stderr: expect.stringContaining(`${f}:5: YAML tags (!custom) are not accepted`) });
    const g = file(yaml('!!str pc'));
    expect(await validate(g)).toMatchObject({ code: 2, stderr: expect.stringContaining(`${g}:5: YAML tags (!!str) are not accepted`) });
  });

  it('a duplicate YAML key', async () => {
    const f = file('version: 1\nhostname: a\nhostname: b\n');
    expect(await validate(f)).toMatchObject({ code: 2, stderr: expect.stringContaining(`${f}:3: the key "hostname" is given a second time here`) });
  });

  it('a duplicate JSON key (accepted before, the last one winning)', async () => {
    const text = JSON.stringify(valid, null, 2).replace('"hostname": "pc",', '"hostname": "pc",\n  "hostname": "other",');
    const f = file(text, 'json');
    const line = text.split('\n').findIndex((l) => l.includes('"other"')) + 1;
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:${line}: the key "hostname" is given a second time here`);
  });

  it('in Chinese too', async () => {
    const f = file('version: 1\nhostname: *h\n');
    expect((await validate(f, { LANG: 'zh_CN.UTF-8' })).stderr).toContain(`${f}:2：不接受 YAML 别名（*h）：请直接写出值`);
    expect((await validate(f, { LANG: 'zh_TW.UTF-8' })).stderr).toContain(`${f}:2：不接受 YAML 別名（*h）：請直接寫出值`);
  });
});

describe('livekit validate refuses what useradd and chpasswd would fail on after the erase (said "valid" before)', () => {
  const withUser = (user: Record<string, unknown>, root?: Record<string, unknown>) => json({ ...valid, user: { ...valid.user, ...user }, ...(root ? { root } : {}) });
  it.each([
    ['a NUL in the password', { password: 'pw-long\u0000root:x' }, 'user.password: The password must not contain control characters'],
    ['a line break in the password', { password: 'pw-long\nroot:x' }, 'user.password: The password must not contain control characters'],
    ['a carriage return in the password', { password: 'pw-long\rroot:x' }, 'user.password: The password must not contain control characters'],
    ['a password of 512 bytes', { password: 'a'.repeat(512) }, 'user.password: The password is too long: 512 bytes, at most 511'],
    ['a password of 171 Chinese characters (513 bytes)', { password: '密'.repeat(171) }, 'user.password: The password is too long: 513 bytes, at most 511'],
    ['a NUL in the full name', { fullname: 'Alice\u0000Liddell' }, 'user.fullname: The full name must not contain'],
    ['a tab in the full name', { fullname: 'Alice\tLiddell' }, 'user.fullname: The full name must not contain'],
    ['a full name of 257 bytes', { fullname: 'A'.repeat(257) }, 'user.fullname: The full name is too long: 257 bytes, at most 256'],
  ])('%s', async (_name, user, message) => {
    const r = await validate(withUser(user));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('the root password by the same rule', async () => {
    const r = await validate(withUser({}, { password: 'root-pw\u0000' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('root.password: The password must not contain control characters');
  });

  it('takes the longest password pam_unix sets (511 bytes) and a 256-byte full name', async () => {
    const r = await validate(withUser({ password: 'a'.repeat(511), fullname: 'A'.repeat(256) }));
    expect(r.code, r.stderr).toBe(0);
  });
});
