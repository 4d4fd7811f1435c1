// readInputFile: a regular file (or /dev/null when allowed) up to its size cap; every special file is
// refused from its stat, before it is opened, so nothing blocks or grows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INPUT_MAX_BYTES, InputFileError, readInputFile } from '../../electron/engine/input-file.ts';
import { readTextInRoot } from '../../electron/engine/medium/in-root.ts';
import { readMediumIfPresent } from '../../electron/engine/medium/medium.ts';
import { MediumConfigError } from '../../electron/engine/medium/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'livekit-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(path: string, opts = {}): Promise<{ code: string; key: string; params: Record<string, unknown> }> {
  const e = await readInputFile(path, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputFileError);
  const { code, key, params } = e as InputFileError;
  return { code, key, params };
}

describe('readInputFile', () => {
  it('reads a regular file, through a symlink too', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'version: 1\n');
    symlinkSync(join(dir, 'a.yaml'), join(dir, 'link.yaml'));
    expect((await readInputFile(join(dir, 'a.yaml'))).toString()).toBe('version: 1\n');
    expect((await readInputFile(join(dir, 'link.yaml'))).toString()).toBe('version: 1\n');
  });

  it('reads /proc files whose size says 0', async () => {
    expect((await readInputFile('/proc/self/cmdline')).length).toBeGreaterThan(0);
  });

  it('refuses character devices (/dev/zero, /dev/urandom) without reading them', async () => {
    expect(await refusal('/dev/zero')).toEqual({ code: 'not-regular', key: 'file.not-regular.char-device', params: { kind: 'char-device' } });
    expect((await refusal('/dev/urandom')).key).toBe('file.not-regular.char-device');
  });

  it('refuses /dev/null unless asked to take it as an empty file', async () => {
    expect((await refusal('/dev/null')).key).toBe('file.not-regular.char-device');
    expect((await readInputFile('/dev/null', { allowDevNull: true })).length).toBe(0);
    expect((await refusal('/dev/zero', { allowDevNull: true })).key).toBe('file.not-regular.char-device');
  });

  it('refuses a FIFO without blocking on it (no writer ever comes)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toMatchObject({ key: 'file.not-regular.fifo' });
  });

  it('refuses a directory and a socket', async () => {
    expect((await refusal(dir)).key).toBe('file.not-regular.directory');
    const sock = join(dir, 'sock');
    const server = createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      expect((await refusal(sock)).key).toBe('file.not-regular.socket');
    } finally {
      server.close();
    }
  });

  it('refuses a file past the cap (1 MiB unless told), and takes one exactly at it', async () => {
    writeFileSync(join(dir, 'big'), Buffer.alloc(INPUT_MAX_BYTES + 1, 0x61));
    expect(await refusal(join(dir, 'big'))).toEqual({ code: 'too-large', key: 'file.too-large', params: { max: '1 MiB' } });
    writeFileSync(join(dir, 'exact'), Buffer.alloc(INPUT_MAX_BYTES, 0x61));
    expect((await readInputFile(join(dir, 'exact'))).length).toBe(INPUT_MAX_BYTES);
    expect((await refusal(join(dir, 'exact'), { maxBytes: 1024 })).params).toEqual({ max: '1 KiB' });
  });

  it('says a missing file is missing, and an unreadable path why', async () => {
    expect(await refusal(join(dir, 'nope'))).toEqual({ code: 'missing', key: 'file.missing', params: { reason: 'ENOENT' } });
    expect(await refusal(join(dir, 'a.yaml', 'below'))).toEqual({ code: 'unreadable', key: 'file.unreadable', params: { reason: 'ENOTDIR' } });
  });

  it('has an English reason for each refusal (the logs, the autoinstall result)', async () => {
    const e = (await readInputFile('/dev/zero').then(
      () => undefined,
      (x: unknown) => x,
    )) as InputFileError;
    expect(e.message).toBe('/dev/zero: is a character device (such as /dev/zero), not a regular file');
    expect(e.reason).toBe('is a character device (such as /dev/zero), not a regular file');
  });
});

describe('the readers of other given paths use it', () => {
  it("a probed system's /etc/passwd that is a FIFO or a device reads as absent, at once", async () => {
    const root = join(dir, 'probed');
    execFileSync('mkdir', ['-p', join(root, 'etc')]);
    execFileSync('mkfifo', [join(root, 'etc/passwd')]);
    symlinkSync('/dev/zero', join(root, 'etc/fstab'));
    writeFileSync(join(root, 'etc/os-release'), 'ID=debian\n');
    expect(await readTextInRoot(root, 'etc/passwd')).toBeUndefined();
    expect(await readTextInRoot(root, 'etc/fstab')).toBeUndefined();
    expect(await readTextInRoot(root, 'etc/os-release')).toBe('ID=debian\n');
  });

  it("--medium: a livekit.conf that is a FIFO is a medium error (exit 2), not a hang; none is no medium", async () => {
    const medium = join(dir, 'medium');
    execFileSync('mkdir', ['-p', join(medium, 'livekit')]);
    expect(await readMediumIfPresent(medium)).toBeUndefined();
    execFileSync('mkfifo', [join(medium, 'livekit/livekit.conf')]);
    const e = await readMediumIfPresent(medium).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(MediumConfigError);
    expect((e as MediumConfigError).reason).toBe('is a FIFO (named pipe), not a regular file');
  });
});
