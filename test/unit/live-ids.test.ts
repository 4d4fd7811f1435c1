// The Live medium's identities as collected (disks/live-ids.ts) and matched (disks/live-place.ts) on real
// filesystems: a medium mounted as a filesystem of its own is known by its device; a medium that is a
// folder by its files' and its own identity, so a hard link or a bind mount of the folder is caught.
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveIdentities } from '../../electron/engine/disks/live-ids.ts';
import { livePlaceOf } from '../../electron/engine/disks/live-place.ts';
import { placeOf } from '../../electron/engine/disks/place.ts';
import { parseMountinfo } from '../../electron/engine/disks/mounts.ts';

const isRoot = process.getuid?.() === 0;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-live-ids-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mounts = () => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));

describe('a medium that is a folder on the host\'s filesystem (the demo, the tests)', () => {
  it('knows its files by inode and its folder by identity, not the whole filesystem', () => {
    const medium = join(dir, 'medium');
    mkdirSync(join(medium, 'livekit'), { recursive: true });
    writeFileSync(join(medium, 'livekit', 'base.squashfs'), 'layer');
    const live = liveIdentities({ livePaths: [medium], mediumDirs: [medium], mounts: mounts() });
    expect(live.filesystems).toEqual([]);
    expect(live.files.map((f) => f.path)).toEqual([join(medium, 'livekit', 'base.squashfs')]);
    expect(live.folders.map((f) => f.path)).toEqual([medium, join(medium, 'livekit')]);
    linkSync(join(medium, 'livekit', 'base.squashfs'), join(dir, 'hard.img'));
    expect(livePlaceOf(placeOf(join(dir, 'hard.img')), live)).toBe(join(medium, 'livekit', 'base.squashfs'));
    expect(livePlaceOf(placeOf(join(medium, 'livekit', 'new.img')), live)).toBe(medium);
    writeFileSync(join(dir, 'other.img'), '');
    expect(livePlaceOf(placeOf(join(dir, 'other.img')), live)).toBeUndefined();
  });
});

describe.skipIf(!isRoot)('mounts (needs root)', () => {
  it('a bind mount of the medium folder: whatever is below it is the medium', () => {
    const medium = join(dir, 'medium');
    const bind = join(dir, 'bind');
    mkdirSync(medium);
    mkdirSync(bind);
    const live = liveIdentities({ livePaths: [medium], mediumDirs: [medium], mounts: mounts() });
    execFileSync('mount', ['--bind', medium, bind]);
    try {
      expect(livePlaceOf(placeOf(join(bind, 'new.img')), live)).toBe(medium);
    } finally {
      execFileSync('umount', [bind]);
    }
  });

  it('a bind mount of one of its subfolders too', () => {
    const medium = join(dir, 'medium');
    const bind = join(dir, 'bind');
    mkdirSync(join(medium, 'livekit', 'layers'), { recursive: true });
    mkdirSync(bind);
    const live = liveIdentities({ livePaths: [medium], mediumDirs: [medium], mounts: mounts() });
    execFileSync('mount', ['--bind', join(medium, 'livekit', 'layers'), bind]);
    try {
      expect(livePlaceOf(placeOf(join(bind, 'new.img')), live)).toBe(join(medium, 'livekit', 'layers'));
    } finally {
      execFileSync('umount', [bind]);
    }
  });

  it('a medium mounted as a filesystem of its own: anything on that filesystem, by any path', () => {
    const medium = join(dir, 'medium');
    const other = join(dir, 'other');
    mkdirSync(medium);
    mkdirSync(other);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'lk-medium', medium]);
    try {
      mkdirSync(join(medium, 'sub'));
      const live = liveIdentities({ livePaths: [medium], mediumDirs: [medium], mounts: mounts() });
      expect(live.filesystems).toEqual([{ path: medium, dev: placeOf(medium).dev }]);
      execFileSync('mount', ['--bind', join(medium, 'sub'), other]); // a bind of a subfolder: same device
      try {
        expect(livePlaceOf(placeOf(join(other, 'x.img')), live)).toBe(medium);
      } finally {
        execFileSync('umount', [other]);
      }
    } finally {
      execFileSync('umount', [medium]);
    }
  });
});
