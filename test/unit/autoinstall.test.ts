// The pure rules of an unattended install: where the answers come from, which disk an answer file that
// names none may take, and what the machine does afterwards.
import { describe, expect, it } from 'vitest';
import { autoinstallSpec, parseSource, SourceError } from '../../electron/engine/autoinstall/source.ts';
import { chooseDisk } from '../../electron/engine/autoinstall/pick-disk.ts';
import { afterAction } from '../../electron/engine/autoinstall/result.ts';
import type { DiskInfo, MachineFacts } from '../../electron/shared/facts.ts';

describe('livekit.autoinstall= sources', () => {
  it('takes the last livekit.autoinstall= of the command line', () => {
    expect(autoinstallSpec('quiet livekit.autoinstall=/a.yaml LANG=C livekit.autoinstall=LABEL=X:/b.yaml')).toBe('LABEL=X:/b.yaml');
    expect(autoinstallSpec('quiet livekit.boot=livekit')).toBeUndefined();
  });
  it('parses a path on the medium, a labelled volume and a URL', () => {
    expect(parseSource('/livekit/answers/qa.yaml')).toEqual({ kind: 'medium', path: '/livekit/answers/qa.yaml' });
    expect(parseSource('LABEL=ANSWERS:/qa.yaml')).toEqual({ kind: 'label', label: 'ANSWERS', path: '/qa.yaml' });
    expect(parseSource('LABEL=QA\\x20DISK:/dir/qa.json')).toEqual({ kind: 'label', label: 'QA DISK', path: '/dir/qa.json' });
    expect(parseSource('http://10.0.2.2:8080/qa.yaml')).toEqual({ kind: 'url', url: 'http://10.0.2.2:8080/qa.yaml' });
  });
  it('refuses anything else, and paths that climb out of the medium', () => {
    for (const bad of ['qa.yaml', 'LABEL=X', 'LABEL=X:qa.yaml', 'ftp://h/qa.yaml', '/livekit/../etc/shadow', ''])
      expect(() => parseSource(bad), bad).toThrow(SourceError);
  });
});

const disk = (path: string, extra: Partial<DiskInfo> = {}): DiskInfo =>
  ({ path, name: path.slice(5), type: 'disk', sizeBytes: 64 * 2 ** 30, readOnly: false, removable: false, mountpoints: [], partitions: [], ...extra }) as DiskInfo;
const machine = (disks: DiskInfo[], liveDevices: string[] = []): MachineFacts =>
  ({ disks, liveDevices, firmware: 'uefi', cmdline: '', ramBytes: 2 ** 32 }) as unknown as MachineFacts;

describe('the disk of an answer file that names none', () => {
  const named = { target: { disk: '/dev/vdc' } };
  it('keeps a disk the answers name (the engine then checks it as usual)', () => {
    expect(chooseDisk(named, machine([disk('/dev/vdb'), disk('/dev/vdc')]))).toEqual({ ok: true, disk: '/dev/vdc', named: true });
  });
  it('takes the only disk that may be erased; the medium, optical drives and loop devices do not count', () => {
    const m = machine([disk('/dev/vda'), disk('/dev/vdb'), disk('/dev/sr0', { name: 'sr0', type: 'rom' }), disk('/dev/loop0', { name: 'loop0', type: 'loop' })], ['/dev/vda']);
    expect(chooseDisk({ target: {} }, m)).toEqual({ ok: true, disk: '/dev/vdb', named: false });
    expect(chooseDisk({}, m)).toEqual({ ok: true, disk: '/dev/vdb', named: false });
  });
  it('never takes the disk the answers were read from', () => {
    const answers = disk('/dev/vda', { partitions: [{ path: '/dev/vda1', mountpoints: [] } as never] });
    expect(chooseDisk({ target: {} }, machine([answers, disk('/dev/vdb')]), ['/dev/vda1'])).toEqual({ ok: true, disk: '/dev/vdb', named: false });
    expect(chooseDisk({ target: {} }, machine([answers, disk('/dev/vdb')]))).toMatchObject({ ok: false, reason: 'several-candidates' });
  });
  it('a disk too small for the variant is no candidate: a VM\'s floppy drive beside the one real disk', () => {
    const floppy = disk('/dev/fd0', { name: 'fd0', sizeBytes: 1_474_560, removable: true });
    const m = machine([floppy, disk('/dev/vdb')]);
    expect(chooseDisk({ target: {} }, m, [], 3 * 2 ** 30)).toEqual({ ok: true, disk: '/dev/vdb', named: false });
    // Without the variant's need (an unknown variant) size is not judged here; the planner refuses later.
    expect(chooseDisk({ target: {} }, m)).toMatchObject({ ok: false, reason: 'several-candidates' });
    expect(chooseDisk({ target: {} }, machine([floppy]), [], 3 * 2 ** 30)).toEqual({ ok: false, reason: 'no-candidate', candidates: [] });
  });
  it('refuses when several disks could be erased, or none', () => {
    expect(chooseDisk({ target: {} }, machine([disk('/dev/vdb'), disk('/dev/vdc')]))).toEqual({ ok: false, reason: 'several-candidates', candidates: ['/dev/vdb', '/dev/vdc'] });
    expect(chooseDisk({ target: {} }, machine([disk('/dev/vda')], ['/dev/vda']))).toEqual({ ok: false, reason: 'no-candidate', candidates: [] });
  });
});

describe('what the machine does afterwards', () => {
  it('powers off after success unless the answers say otherwise', () => {
    expect(afterAction(0, {})).toBe('poweroff');
    expect(afterAction(0, { after: 'reboot' })).toBe('reboot');
    expect(afterAction(0, { after: 'shell' })).toBe('shell');
  });
  it('stays up with a shell after any failure, unless poweroff-on-error', () => {
    for (const code of [1, 2, 3, 130]) expect(afterAction(code, { after: 'reboot' })).toBe('shell');
    expect(afterAction(3, { 'poweroff-on-error': true })).toBe('poweroff');
    expect(afterAction(2, null)).toBe('shell');
  });
});
