// The one way the engine opens a file it writes (issue #21): a new file, or a file of ours (a LiveKit log
// appended to, a result replaced by a rename); never a device, FIFO, socket, folder or link, never the
// answer file, a target or the medium (by identity: a hard link is caught). Every refusal leaves the file
// byte-identical. Real files in a temp dir; the identities from the real filesystem.
import { execFileSync } from 'node:child_process';
import { closeSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendLogPart, checkOutput, openLog, OutputFileError, replaceFile } from '../../electron/engine/run/output-file.ts';
import { guardForPlan, isAfterFile, isAutoinstallResult, isLiveKitLog, isUrlFile, outputRefusal } from '../../electron/engine/run/output-rules.ts';
import { placeOf } from '../../electron/engine/disks/place.ts';
import { liveIdentities } from '../../electron/engine/disks/live-ids.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The refusal code `fn` throws, or null. */
function refusal(fn: () => unknown): string | null {
  try {
    const r = fn() as { fd?: number } | undefined;
    if (r && typeof r.fd === 'number') closeSync(r.fd);
    return null;
  } catch (e) {
    if (e instanceof OutputFileError) return e.code;
    throw e;
  }
}

describe('recognising files of ours by their first bytes', () => {
  it('a LiveKit log is empty or starts with one of our JSON events', () => {
    expect(isLiveKitLog('')).toBe(true);
    expect(isLiveKitLog('{"type":"plan","plan":{')).toBe(true);
    expect(isLiveKitLog('{"type":"log","level":"info"')).toBe(true);
    expect(isLiveKitLog('{"type":"nonsense"}')).toBe(false);
    expect(isLiveKitLog('{"version":1,"variant":"desktop"}')).toBe(false); // a JSON answer file
    expect(isLiveKitLog('version: 1\n')).toBe(false);
    expect(isLiveKitLog('\u0000\u0000\u0000')).toBe(false); // a disk image
  });
  it('results and the URL file', () => {
    expect(isAutoinstallResult('{"exitCode":0,"source":')).toBe(true);
    expect(isAutoinstallResult('#!/bin/sh')).toBe(false);
    expect(isAfterFile('poweroff\n')).toBe(true);
    expect(isAfterFile('root:x:0:0:root:/root:/bin/bash\n')).toBe(false);
    expect(isUrlFile('http://127.0.0.1:4000/#token=abc\n')).toBe(true);
    expect(isUrlFile('secret stuff')).toBe(false);
  });
});

describe('openLog', () => {
  it('creates a new log 0600 with its folders, and appends to an existing LiveKit log from its end', () => {
    const log = join(dir, 'x/y/install.log');
    const a = openLog(log);
    expect(a.start).toBe(0);
    writeFileSync(a.fd, '{"type":"log","level":"info","message":"one"}\n');
    closeSync(a.fd);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const b = openLog(log);
    expect(b.start).toBe(statSync(log).size);
    writeFileSync(b.fd, '{"type":"log","level":"info","message":"two"}\n');
    closeSync(b.fd);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('refuses what is not a regular file of ours, each left as it was', () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'keep me\n');
    expect(refusal(() => openLog(notes))).toBe('output-not-ours');
    expect(readFileSync(notes, 'utf8')).toBe('keep me\n');
    expect(refusal(() => openLog(dir))).toBe('output-directory');
    const link = join(dir, 'link.log');
    writeFileSync(join(dir, 'ours.log'), '');
    symlinkSync(join(dir, 'ours.log'), link);
    expect(refusal(() => openLog(link))).toBe('output-symlink');
    expect(refusal(() => openLog('/dev/null'))).toBe('output-device');
  });

  it('refuses a FIFO at once instead of waiting for a reader', () => {
    const fifo = join(dir, 'log.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(() => openLog(fifo))).toBe('output-fifo');
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a socket', async () => {
    const sock = join(dir, 'log.sock');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      expect(refusal(() => openLog(sock))).toBe('output-socket');
    } finally {
      server.close();
    }
  });

  it('refuses the answer file, a target and a file of the medium by identity, also through a hard link', () => {
    const answers = join(dir, 'answers.yaml');
    writeFileSync(answers, '');
    const image = join(dir, 'disk.img');
    writeFileSync(image, '');
    const medium = join(dir, 'medium');
    mkdirSync(join(medium, 'livekit'), { recursive: true });
    writeFileSync(join(medium, 'livekit', 'empty.log'), ''); // empty: "ours" by its bytes, the medium's by identity
    const live = liveIdentities({ livePaths: [medium], mediumDirs: [medium], mounts: [] });
    const guard = guardForPlan(
      { erase: { path: image, sizeBytes: 0, image: true } },
      { disks: [{ path: image, name: 'disk.img', sizeBytes: 0, type: 'image', readOnly: false, removable: false, mountpoints: [], partitions: [], place: placeOf(image) }], liveIds: live },
      placeOf(answers),
    );
    expect(refusal(() => openLog(answers, guard))).toBe('output-answers-file');
    expect(refusal(() => openLog(image, guard))).toBe('output-target');
    expect(refusal(() => openLog(join(medium, 'livekit', 'empty.log'), guard))).toBe('output-live-medium');
    linkSync(join(medium, 'livekit', 'empty.log'), join(dir, 'hard.log'));
    expect(refusal(() => openLog(join(dir, 'hard.log'), guard))).toBe('output-live-medium');
    // A new file inside the medium's folder is refused too, and not created.
    expect(refusal(() => openLog(join(medium, 'livekit', 'new', 'x.log'), guard))).toBe('output-live-medium');
    expect(readdirSync(join(medium, 'livekit'))).toEqual(['empty.log']);
    // Elsewhere is fine.
    expect(refusal(() => openLog(join(dir, 'elsewhere.log'), guard))).toBeNull();
  });

  it('fails at once with the reason under /proc (Node\'s recursive mkdir would spin there)', () => {
    expect(() => openLog('/proc/nope/deeper/x.log')).toThrow(OutputFileError);
    try {
      openLog('/proc/nope/deeper/x.log');
    } catch (e) {
      expect((e as OutputFileError).params).toEqual({ file: '/proc/nope/deeper/x.log', reason: 'ENOENT' });
    }
  });
});

describe('appendLogPart', () => {
  it('appends the log from where this run began', () => {
    const engine = join(dir, 'engine.log');
    writeFileSync(engine, '{"type":"log","level":"info","message":"before"}\n');
    const from = openLog(engine);
    writeFileSync(from.fd, '{"type":"log","level":"info","message":"this run"}\n');
    const copy = join(dir, 'target/var/log/livekit.log');
    appendLogPart(from, copy);
    closeSync(from.fd);
    expect(readFileSync(copy, 'utf8')).toBe('{"type":"log","level":"info","message":"this run"}\n');
    expect(statSync(copy).mode & 0o777).toBe(0o600);
  });
});

describe('replaceFile', () => {
  it('creates, then replaces its own file through a rename (a new inode), leaving no temp file', () => {
    const f = join(dir, 'livekit-result.json');
    replaceFile(f, '{"exitCode":1}\n', isAutoinstallResult);
    const ino = statSync(f).ino;
    replaceFile(f, '{"exitCode":0}\n', isAutoinstallResult);
    expect(readFileSync(f, 'utf8')).toBe('{"exitCode":0}\n');
    expect(statSync(f).ino).not.toBe(ino);
    expect(readdirSync(dir)).toEqual(['livekit-result.json']);
  });

  it('never replaces a foreign file, a link or a device; each left as it was', () => {
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0\n');
    expect(refusal(() => replaceFile(passwd, 'http://x\n', isUrlFile))).toBe('output-not-ours');
    expect(readFileSync(passwd, 'utf8')).toBe('root:x:0:0\n');
    const link = join(dir, 'url');
    symlinkSync(passwd, link);
    expect(refusal(() => replaceFile(link, 'http://x\n', isUrlFile))).toBe('output-symlink');
    expect(readFileSync(passwd, 'utf8')).toBe('root:x:0:0\n');
    expect(refusal(() => replaceFile('/dev/null', 'poweroff\n', isAfterFile))).toBe('output-device');
  });
});

describe('checkOutput before the answers are read', () => {
  it('judges only what stands there: an existing foreign file waits for the plan', () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'x');
    expect(refusal(() => checkOutput(notes))).toBeNull();
    expect(refusal(() => checkOutput('/dev/null'))).toBe('output-device');
    expect(refusal(() => checkOutput(join(dir, 'new.log')))).toBeNull();
  });
  it('the pure rule: what the file is comes before what kind of thing it is', () => {
    const place = { id: '1:2', dev: '1', folders: [] };
    expect(outputRefusal({ file: '/x', kind: 'device', place }, { answersFile: '1:2' })?.code).toBe('output-answers-file');
    expect(outputRefusal({ file: '/x', place: { dev: '1', folders: ['1:9'] } }, { live: { files: [], folders: [{ path: '/m', id: '1:9' }], filesystems: [] } })).toEqual({
      code: 'output-live-medium',
      params: { file: '/x', live: '/m' },
    });
  });
});
