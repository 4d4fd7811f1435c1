// What a killed run left, found by comparing its journal with the machine (pure), and the journal itself
// (written before a thing is taken, struck off after), with a temp dir and a recording runner.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldJournal, readJournals, type JournalFile } from '../../electron/engine/run/held-journal.ts';
import { describeHeld, leftoversOf, releaseLeftovers, type HeldSnapshot } from '../../electron/engine/run/leftovers.ts';
import { parseStartTime, thisProcess } from '../../electron/engine/run/process-identity.ts';
import { RecordingRunner } from '../../electron/engine/run/runner.ts';

const dead = { pid: 4242, start: '100' };
const journal = (entries: JournalFile['entries'], owner = dead): JournalFile & { file: string } => ({ version: 1, owner, what: 'install to /x.img', entries, file: `/run/livekit/held/${owner.pid}.json` });
const snapshot = (over: Partial<HeldSnapshot> = {}): HeldSnapshot => ({
  mounts: [],
  loops: [],
  linkTarget: () => undefined,
  running: () => false,
  mappings: [],
  ...over,
});

describe('leftoversOf', () => {
  const entries: JournalFile['entries'] = [
    { id: 1, record: { kind: 'loop', backing: '/x.img', backingId: '1:2', device: '/dev/loop3' } },
    { id: 2, record: { kind: 'mount', target: '/tmp/t', source: '/dev/loop3p2' } },
    { id: 3, record: { kind: 'mount', target: '/tmp/t/dev', source: '/dev' } },
    { id: 4, record: { kind: 'link', path: '/dev/disk/by-uuid/u', to: '/dev/loop3p2' } },
    { id: 5, record: { kind: 'process', pid: 77, start: '9', command: 'unsquashfs' } },
  ];

  it('names what is still there, newest first; what is gone is left out', () => {
    const snap = snapshot({
      mounts: ['/', '/tmp/t'],
      loops: [{ device: '/dev/loop3', backing: '/x.img', deleted: false }],
      linkTarget: (p) => (p === '/dev/disk/by-uuid/u' ? '/dev/loop3p2' : undefined),
      running: (p) => p.pid === 77 && p.start === '9',
    });
    const [l] = leftoversOf([journal(entries)], snap);
    expect(l!.items.map(describeHeld)).toEqual(['process 77 (unsquashfs)', 'link /dev/disk/by-uuid/u', 'mount /tmp/t', 'loop /dev/loop3 (/x.img)']);
  });

  it("a live run's record is not a leftover; a pid reused by another process (other start time) is", () => {
    const snap = snapshot({ mounts: ['/tmp/t'], running: (p) => p.pid === 4242 && p.start === '100' });
    expect(leftoversOf([journal(entries)], snap)).toEqual([]);
    const reused = snapshot({ mounts: ['/tmp/t'], running: (p) => p.pid === 4242 && p.start === '555' });
    expect(leftoversOf([journal(entries)], reused)[0]!.items.map((r) => r.kind)).toEqual(['mount']);
  });

  it('a loop recorded before losetup printed its device is found by its backing file (also when deleted)', () => {
    const j = journal([{ id: 1, record: { kind: 'loop', backing: '/x.img' } }]);
    const snap = snapshot({ loops: [{ device: '/dev/loop9', backing: '/x.img', deleted: true }, { device: '/dev/loop1', backing: '/y.img', deleted: false }] });
    expect(leftoversOf([j], snap)[0]!.items).toEqual([{ kind: 'loop', backing: '/x.img', device: '/dev/loop9' }]);
  });

  it('a path mounted twice (a bind over the root, btrfs) counts each mount once', () => {
    const j = journal([
      { id: 1, record: { kind: 'mount', target: '/tmp/t', source: '/dev/x' } },
      { id: 2, record: { kind: 'mount', target: '/tmp/t', source: '/tmp/t/@' } },
      { id: 3, record: { kind: 'mount', target: '/tmp/t', source: 'again' } },
    ]);
    expect(leftoversOf([j], snapshot({ mounts: ['/tmp/t', '/tmp/t'] }))[0]!.items).toHaveLength(2);
  });
});

describe('releaseLeftovers', () => {
  it('stops at the first thing it cannot release: what lies below it stays, reported as held below it', async () => {
    const runner = new RecordingRunner((argv) => (argv[0] === 'umount' ? { code: 32, stderr: 'umount: /tmp/t: target is busy.' } : undefined));
    const report = await releaseLeftovers(
      [{ owner: dead, what: 'install', file: '/nonexistent/x.json', mountTargets: ['/tmp/t'], items: [{ kind: 'mount', target: '/tmp/t', source: '/dev/loop3p2' }, { kind: 'loop', backing: '/x.img', device: '/dev/loop3' }] }],
      runner,
    );
    expect(runner.commands.map((c) => c.argv)).toEqual([['umount', '/tmp/t']]);
    expect(report.released).toEqual([]);
    expect(report.notReleased.map((n) => n.reason)).toEqual(['umount: /tmp/t: target is busy.', 'held below mount /tmp/t']);
  });
});

describe('HeldJournal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lk-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written before each thing is taken and gone once nothing is held', () => {
    const j = new HeldJournal(dir, 'install to /x.img');
    expect(existsSync(j.file)).toBe(false);
    const loop = j.add({ kind: 'loop', backing: '/x.img' });
    j.update(loop, { kind: 'loop', backing: '/x.img', device: '/dev/loop3' });
    const m = j.add({ kind: 'mount', target: '/tmp/t', source: '/dev/loop3p2' });
    const [read] = readJournals(dir);
    expect(read).toMatchObject({ owner: thisProcess(), what: 'install to /x.img', entries: [{ record: { device: '/dev/loop3' } }, { record: { target: '/tmp/t' } }] });
    j.remove(m);
    expect(JSON.parse(readFileSync(j.file, 'utf8')).entries).toHaveLength(1);
    j.remove(loop);
    expect(existsSync(j.file)).toBe(false);
    expect(readJournals(dir)).toEqual([]);
  });
});

describe('parseStartTime', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // fields 3.. after "pid (comm)"
    expect(parseStartTime(`123 (a b) c) ${fields.join(' ')}`)).toBe('22');
  });
});
