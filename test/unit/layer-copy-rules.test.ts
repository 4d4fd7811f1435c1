// Pure parts of the layer copier: the stack read from a mount table, overlayfs's lookup rules for one
// layer, what sends the copy back to rsync, and how unsquashfs is run and read.
import { describe, expect, it } from 'vitest';
import { parseMountinfo } from '../../electron/engine/disks/mounts.ts';
import { copyMethodFrom, overlayLowerDirs, type LoopBacking } from '../../electron/engine/run/layer-stack.ts';
import { lowerPathOf, mergedXattrDirs, mergedXattrProblem, redirectAcrossMounts, redirectsOf, unsupportedIn } from '../../electron/engine/run/overlay-rules.ts';
import { extractedPath, unpackArgv, unsquashfsArgv } from '../../electron/engine/run/layer-copier.ts';

const MOUNTS = [
  '75 27 7:2 / /run/livekit/layers/base ro,relatime - squashfs /dev/loop2 ro,errors=continue',
  '76 27 7:3 / /run/livekit/layers/desktop ro,relatime - squashfs /dev/loop3 ro,errors=continue',
  '77 27 7:2 / /run/livekit/sysroots/base ro,relatime - squashfs /dev/loop2 ro,errors=continue',
  '80 27 0:44 / /run/livekit/sysroots/desktop ro,relatime - overlay livekit ro,lowerdir=/run/livekit/layers/desktop:/run/livekit/layers/base,redirect_dir=on',
  '81 27 0:45 / /run/livekit/sysroots/rel ro,relatime - overlay livekit ro,lowerdir=layers/desktop:layers/base,redirect_dir=on',
  '82 27 7:4 / /run/livekit/layers/ero ro,relatime - erofs /dev/loop4 ro',
  '83 27 0:46 / /run/livekit/sysroots/ero ro,relatime - overlay livekit ro,lowerdir=/run/livekit/layers/ero:/run/livekit/layers/base',
  '84 27 0:47 / /run/livekit/sysroots/meta ro,relatime - overlay livekit ro,lowerdir=/run/livekit/layers/desktop:/run/livekit/layers/base,metacopy=on',
  '85 27 0:48 / /run/livekit/sysroots/busy ro,relatime - overlay livekit ro,lowerdir=/run/livekit/layers/desktop:/run/livekit/layers/base',
  '86 85 0:49 / /run/livekit/sysroots/busy/proc rw - proc proc rw',
].join('\n');

const backing: LoopBacking = (source) => {
  const m = /loop(\d)$/.exec(source);
  return m ? { file: `/medium/livekit/img${m[1]}.squashfs`, offset: 0 } : undefined;
};

describe('the layer stack from the mount table', () => {
  const mounts = parseMountinfo(MOUNTS);

  it('an overlay of squashfs layers: images bottom first, with their mounts', () => {
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/desktop', backing)).toEqual({
      kind: 'layers',
      layers: [
        { image: '/medium/livekit/img2.squashfs', offset: 0, mount: '/run/livekit/layers/base' },
        { image: '/medium/livekit/img3.squashfs', offset: 0, mount: '/run/livekit/layers/desktop' },
      ],
    });
  });

  it('a single layer bind-mounted; relative lower dirs resolved against the loader run dir', () => {
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/base', backing)).toMatchObject({ kind: 'layers', layers: [{ mount: '/run/livekit/sysroots/base' }] });
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/rel', backing)).toMatchObject({ kind: 'layers', layers: [{ mount: '/run/livekit/layers/base' }, { mount: '/run/livekit/layers/desktop' }] });
  });

  it('rsync, with the reason, for EROFS, metacopy, mounts inside, plain dirs and unknown images', () => {
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/ero', backing)).toMatchObject({ kind: 'rsync', reason: 'erofs' });
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/meta', backing)).toMatchObject({ kind: 'rsync', reason: 'overlay-options' });
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/busy', backing)).toMatchObject({ kind: 'rsync', reason: 'mounts-inside' });
    expect(copyMethodFrom(mounts, '/srv/plain', backing)).toMatchObject({ kind: 'rsync', reason: 'not-layered' });
    expect(copyMethodFrom(mounts, '/run/livekit/sysroots/desktop', () => undefined)).toMatchObject({ kind: 'rsync', reason: 'no-image' });
  });

  it('overlay options: upper dirs, data-only layers and lowerdir+ entries', () => {
    expect(overlayLowerDirs('ro,lowerdir=/a:/b,upperdir=/u').problem).toMatch(/upper/);
    expect(overlayLowerDirs('ro,lowerdir=/a::/d').problem).toMatch(/data-only/);
    expect(overlayLowerDirs('ro,lowerdir+=/a,lowerdir+=/b')).toEqual({ lower: ['/a', '/b'] });
  });
});

const scanOf = (xattrs: Record<string, Record<string, string>>, dirs: string[] = Object.keys(xattrs)) => ({
  overlayXattrs: new Map(Object.entries(xattrs).map(([k, v]) => [k, new Map(Object.entries(v))])),
  dirs: new Map(dirs.map((d) => [d, { mode: 0o755, uid: 0, gid: 0, atimeMs: 0, mtimeMs: 0 }])),
});

describe("overlayfs's rules for one layer", () => {
  it('lower paths: plain, relative and absolute redirects, under a redirected parent, stopped by opaque dirs', () => {
    const s = scanOf({
      'a/b': { 'trusted.overlay.redirect': 'old-b' },
      'a/b/c': { 'trusted.overlay.redirect': 'old-c' },
      'x/y': { 'trusted.overlay.redirect': '/usr/share/y' },
      o: { 'trusted.overlay.opaque': 'y' },
    });
    expect(lowerPathOf(s, 'a')).toBe('a');
    expect(lowerPathOf(s, 'a/b')).toBe('a/old-b');
    expect(lowerPathOf(s, 'a/b/c')).toBe('a/old-b/old-c');
    expect(lowerPathOf(s, 'a/b/d')).toBe('a/old-b/d');
    expect(lowerPathOf(s, 'x/y')).toBe('usr/share/y');
    expect(lowerPathOf(s, 'o')).toBeNull();
    expect(lowerPathOf(s, 'o/p')).toBeNull();
  });

  it('redirects are moved aside deepest origin first', () => {
    const s = scanOf({ b: { 'trusted.overlay.redirect': '/a' }, d: { 'trusted.overlay.redirect': '/a/c' } });
    expect(redirectsOf(s)).toEqual([
      { rel: 'd', from: 'a/c' },
      { rel: 'b', from: 'a' },
    ]);
  });

  it('what the copier cannot reproduce: xattr whiteouts, metacopy, odd opaque values, an opaque root, non-UTF-8 names', () => {
    expect(unsupportedIn(scanOf({ d: { 'trusted.overlay.opaque': 'y', 'trusted.overlay.origin': '\x00' } }))).toBeUndefined();
    expect(unsupportedIn(scanOf({ d: { 'trusted.overlay.whiteout': '' } }))).toMatch(/whiteout/);
    expect(unsupportedIn(scanOf({ f: { 'trusted.overlay.metacopy': '' } }))).toMatch(/metacopy/);
    expect(unsupportedIn(scanOf({ d: { 'trusted.overlay.opaque': 'x' } }))).toMatch(/opaque=x/);
    expect(unsupportedIn(scanOf({ '': { 'trusted.overlay.opaque': 'y' } }))).toMatch(/root/);
    expect(unsupportedIn(scanOf({ '\xff\xfe': { 'trusted.overlay.origin': '1' } }))).toMatch(/UTF-8/);
    expect(unsupportedIn(scanOf({ d: { 'trusted.overlay.redirect': '../x' } }))).toMatch(/redirect/);
  });
});

describe('redirects and the filesystems mounted inside the target', () => {
  const upper = scanOf({ 'usr/share/new': { 'trusted.overlay.redirect': '/usr/share/old' } });
  it('a rename cannot take an origin or a destination across a mount, nor move a dir holding one', () => {
    expect(redirectAcrossMounts([upper], ['boot/efi'])).toBeUndefined();
    expect(redirectAcrossMounts([upper], ['usr/share/new'])).toMatch(/usr\/share\/new\) across the target's mount at usr\/share\/new/);
    expect(redirectAcrossMounts([upper], ['usr/share/old/inner'])).toMatch(/mount at usr\/share\/old\/inner/);
    expect(redirectAcrossMounts([upper], ['usr'])).toMatch(/mount at usr$/);
    expect(redirectAcrossMounts([scanOf({})], ['usr'])).toBeUndefined();
  });
});

describe('dirs with xattrs of their own under a merging layer', () => {
  const layer = (dirs: string[], others: Record<string, string[]>, overlay: Record<string, Record<string, string>> = {}) => ({
    ...scanOf(overlay, dirs),
    otherXattrs: new Map(Object.entries(others)),
  });

  it('the lower layers\' dirs with xattrs are compared after the copy; files and the top layer\'s own are not', () => {
    const base = layer(['', 'var', 'var/log/journal'], { 'var/log/journal': ['system.posix_acl_access'], 'usr/bin/ping': ['security.capability'] });
    const mid = layer(['', 'usr', 'usr/share'], { 'usr/share': ['user.a'] });
    const top = layer(['', 'var/log/journal', 'srv'], { srv: ['user.b'], 'var/log/journal': ['user.c'] });
    expect(mergedXattrDirs([base, mid, top]).sort()).toEqual(['usr/share', 'var/log/journal']);
    expect(mergedXattrDirs([base])).toEqual([]);
  });

  it('cannot be put right under a redirect that moves them, or with a name setfattr cannot be given', () => {
    const upper = layer(['', 'new', 'other'], {}, { new: { 'trusted.overlay.redirect': '/var/log' }, other: { 'trusted.overlay.redirect': '/opt' } });
    expect(mergedXattrProblem(['var/log/journal'], [upper])).toMatch(/redirected dir \(new\) over a dir with xattrs \(var\/log\/journal\)/);
    expect(mergedXattrProblem(['var/lib'], [upper])).toBeUndefined();
    expect(mergedXattrProblem(['\xff\xfe'], [])).toMatch(/UTF-8/);
  });
});

describe('unsquashfs', () => {
  it('names the entries it creates: paths relative to the target, as bytes; other lines are not paths', () => {
    expect(extractedPath('/t/usr/bin/ls', '/t')).toBe('usr/bin/ls');
    expect(extractedPath('/t/odd/中文', '/t')).toBe(Buffer.from('odd/中文', 'utf8').toString('latin1'));
    expect(extractedPath('/t', '/t')).toBeNull();
    expect(extractedPath('326 inodes (619 blocks) to write', '/t')).toBeNull();
    expect(extractedPath('/tx/usr', '/t')).toBeNull();
  });

  it('argv: forced into the target, with the image offset when it has one', () => {
    expect(unsquashfsArgv({ image: '/m/base.squashfs', offset: 0, mount: '/l' }, '/t')).toEqual(['unsquashfs', '-f', '-i', '-da', '4', '-fr', '4', '-d', '/t', '/m/base.squashfs']);
    expect(unsquashfsArgv({ image: '/m/iso', offset: 4096, mount: '/l' }, '/t')).toEqual(['unsquashfs', '-f', '-i', '-da', '4', '-fr', '4', '-d', '/t', '-o', '4096', '/m/iso']);
    // Niced (the engine keeps up with its names) and line-buffered, each where its program is installed.
    const layer = { image: '/m/base.squashfs', offset: 0, mount: '/l' };
    expect(unpackArgv(layer, '/t', { nice: true, stdbuf: true }).slice(0, 6)).toEqual(['nice', '-n', '10', 'stdbuf', '-oL', 'unsquashfs']);
    expect(unpackArgv(layer, '/t', { nice: true, stdbuf: false }).slice(0, 4)).toEqual(['nice', '-n', '10', 'unsquashfs']);
    expect(unpackArgv(layer, '/t', { nice: false, stdbuf: false })[0]).toBe('unsquashfs');
  });
});
