import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinedWritePath, OutsideTargetError } from '../../electron/engine/run/target-path.ts';

let dir: string, root: string, host: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-target-path-'));
  root = join(dir, 'target');
  host = join(dir, 'host'); // stands for the Live system outside the target
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(host);
  writeFileSync(join(host, 'hosts'), 'the host file\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('confinedWritePath', () => {
  it('replaces a symlink that points out of the target instead of writing through it', () => {
    symlinkSync(join(host, 'hosts'), join(root, 'etc/hosts'));
    const p = confinedWritePath(root, join(root, 'etc/hosts'), 'write');
    expect(p).toBe(join(root, 'etc/hosts'));
    expect(existsSync(p)).toBe(false); // the link is gone, the caller writes a regular file
    writeFileSync(p, 'target\n');
    expect(readFileSync(join(host, 'hosts'), 'utf8')).toBe('the host file\n');
    expect(lstatSync(p).isFile()).toBe(true);
  });

  it('follows an absolute directory link as the installed system would, inside the target', () => {
    rmSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'usr/etc'), { recursive: true });
    symlinkSync('/usr/etc', join(root, 'etc')); // absolute: on the host it would be /usr/etc
    expect(confinedWritePath(root, join(root, 'etc/hostname'), 'write')).toBe(join(root, 'usr/etc/hostname'));
  });

  it('appends through a link that stays inside the target', () => {
    writeFileSync(join(root, 'etc/fstab.real'), 'first\n');
    symlinkSync('fstab.real', join(root, 'etc/fstab'));
    expect(confinedWritePath(root, join(root, 'etc/fstab'), 'append')).toBe(join(root, 'etc/fstab.real'));
  });

  it('creates missing directories inside the target and replaces dangling links on the way', () => {
    symlinkSync(join(host, 'nowhere'), join(root, 'var'));
    const p = confinedWritePath(root, join(root, 'var/log/livekit.log'), 'write');
    expect(p).toBe(join(root, 'var/log/livekit.log'));
    expect(lstatSync(join(root, 'var')).isDirectory()).toBe(true);
    expect(existsSync(join(host, 'nowhere'))).toBe(false);
  });

  it('refuses a path outside the target root', () => {
    expect(() => confinedWritePath(root, join(host, 'hosts'), 'write')).toThrow(OutsideTargetError);
    expect(() => confinedWritePath(root, root, 'write')).toThrow(OutsideTargetError);
  });
});
