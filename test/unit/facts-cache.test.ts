// The facts cache and its change detector (issue #21, F7), with a collector and a fingerprint the test
// holds: concurrent requests share one collection; the result is kept while the fingerprint stays the
// same and collected again when it changes, after `invalidate`, or for a `fresh` request; at most one
// collection runs at a time; a failure reaches every waiter and is not kept. The fingerprint is read
// from a fake /proc and /sys/class/block: it moves with what the disk facts describe and not otherwise.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FactsCache } from '../../electron/engine/disks/facts-cache.ts';
import { contentCounters, deviceFingerprint, mountedDevices, mountsPart, swapDevices } from '../../electron/engine/disks/device-fingerprint.ts';

function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

/** A cache over a counted collector that waits for the test's gate, and a fingerprint the test sets. */
function harness() {
  const h = {
    fp: 'A',
    collections: 0,
    running: 0,
    mostAtOnce: 0,
    gate: gate(),
    fail: false,
    cache: undefined as unknown as FactsCache<{ n: number; fp: string }>,
  };
  h.cache = new FactsCache({
    fingerprint: async () => h.fp,
    collect: async () => {
      const n = ++h.collections;
      const fp = h.fp;
      h.running++;
      h.mostAtOnce = Math.max(h.mostAtOnce, h.running);
      try {
        await h.gate.wait;
        if (h.fail) throw new Error('lsblk failed');
        return { n, fp };
      } finally {
        h.running--;
      }
    },
  });
  return h;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('FactsCache', () => {
  it('200 concurrent requests share one collection; later ones are answered from the cache', async () => {
    const h = harness();
    const all = Promise.all(Array.from({ length: 200 }, () => h.cache.get()));
    await settle();
    expect(h.collections).toBe(1);
    h.gate.open();
    const got = await all;
    expect(got.every((g) => g.n === 1)).toBe(true);
    expect(await h.cache.get()).toEqual({ n: 1, fp: 'A' });
    expect(h.collections).toBe(1);
  });

  it('collects again when the fingerprint changes, and only then', async () => {
    const h = harness();
    h.gate.open();
    expect((await h.cache.get()).n).toBe(1);
    expect((await h.cache.get()).n).toBe(1);
    h.fp = 'B';
    expect(await h.cache.get()).toEqual({ n: 2, fp: 'B' });
    expect((await h.cache.get()).n).toBe(2);
    expect(h.collections).toBe(2);
  });

  it('a change while collecting: later requests wait for one more collection, never a second one at once', async () => {
    const h = harness();
    const first = Array.from({ length: 50 }, () => h.cache.get());
    await settle();
    h.fp = 'B';
    const second = Array.from({ length: 50 }, () => h.cache.get());
    await settle();
    expect(h.collections).toBe(1); // the second waits for the first to end
    h.gate.open();
    expect((await Promise.all(first)).every((g) => g.fp === 'A')).toBe(true);
    expect((await Promise.all(second)).every((g) => g.fp === 'B' && g.n === 2)).toBe(true);
    expect(h.collections).toBe(2);
    expect(h.mostAtOnce).toBe(1);
  });

  it('fresh: collected after the call began, shared by the fresh requests that wait together', async () => {
    const h = harness();
    h.gate.open();
    await h.cache.get();
    expect((await h.cache.get({ fresh: true })).n).toBe(2);
    h.gate = gate();
    const inFlight = h.cache.get({ fresh: true });
    await settle();
    const afterIt = [h.cache.get({ fresh: true }), h.cache.get({ fresh: true })];
    await settle();
    expect(h.collections).toBe(3);
    h.gate.open();
    expect((await inFlight).n).toBe(3);
    expect((await Promise.all(afterIt)).map((g) => g.n)).toEqual([4, 4]);
    expect((await h.cache.get()).n).toBe(4); // and it is what the cache keeps
  });

  it('invalidate: the next request collects anew, with the same fingerprint', async () => {
    const h = harness();
    h.gate.open();
    await h.cache.get();
    h.cache.invalidate();
    expect((await h.cache.get()).n).toBe(2);
    expect((await h.cache.get()).n).toBe(2);
  });

  it('a failure reaches every waiter, is not kept, and the next request tries again', async () => {
    const h = harness();
    h.fail = true;
    const all = Array.from({ length: 20 }, () => h.cache.get().then(() => 'ok', (e: Error) => e.message));
    await settle();
    h.gate.open();
    expect(new Set(await Promise.all(all))).toEqual(new Set(['lsblk failed']));
    h.fail = false;
    expect((await h.cache.get()).n).toBe(2);
  });

  it('hands each caller a copy', async () => {
    const h = harness();
    h.gate.open();
    const mine = await h.cache.get();
    mine.fp = 'changed by a caller';
    expect((await h.cache.get()).fp).toBe('A');
  });
});

describe('deviceFingerprint', () => {
  const root = mkdtempSync(join(tmpdir(), 'lk-fp-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const proc = join(root, 'proc');
  const sys = join(root, 'class-block');
  const put = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  /** /sys/class/block/<name> is a link into the device tree; a partition's directory is inside its disk's. */
  const device = (path: string, dev: string, o: { partition?: boolean; backing?: string; holders?: string[] } = {}) => {
    const dir = join(root, 'devices', path);
    put(join(dir, 'dev'), `${dev}\n`);
    put(join(dir, 'ro'), '0\n');
    put(join(dir, 'stat'), '  100 0 800 5    0 0 0 0    0 1 5    0 0 0 0    0 0\n');
    mkdirSync(join(dir, 'holders'), { recursive: true });
    for (const h of o.holders ?? []) put(join(dir, 'holders', h), '');
    if (o.partition) put(join(dir, 'partition'), '1\n');
    if (o.backing) put(join(dir, 'loop', 'backing_file'), `${o.backing}\n`);
    mkdirSync(sys, { recursive: true });
    symlinkSync(dir, join(sys, path.split('/').at(-1)!));
  };
  const writes = (path: string, n: number) => put(join(root, 'devices', path, 'stat'), `  100 0 800 5    ${n} 0 ${n * 8} 3    0 1 5    0 0 0 0    0 0\n`);
  const mountinfo = (lines: string[]) => put(join(proc, 'self', 'mountinfo'), lines.join('\n') + '\n');

  put(join(proc, 'partitions'), 'major minor  #blocks  name\n\n   8        0   1048576 sda\n   8        1    524288 sda1\n   8        2    523264 sda2\n   8       16   1048576 sdb\n   7        0     65536 loop0\n');
  put(join(proc, 'swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  device('sda', '8:0');
  device('sda/sda1', '8:1', { partition: true });
  device('sda/sda2', '8:2', { partition: true });
  device('sdb', '8:16');
  device('loop0', '7:0', { backing: '/images/a.img' });
  const image = join(root, 'target.img');
  put(image, 'x');
  mountinfo(['22 1 0:21 / /proc rw,nosuid - proc proc rw', '29 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw']);

  const fp = () => deviceFingerprint({ proc, sysClassBlock: sys, files: [image] });

  it('pure parts: mount ids left out; mounted devices; swap devices; write and discard counters', () => {
    expect(mountsPart('22 1 8:1 / / rw - ext4 /dev/sda1 rw\n')).toBe('8:1 / / rw - ext4 /dev/sda1 rw');
    expect([...mountedDevices('22 1 0:21 / /proc rw - proc proc rw\n29 1 8:1 / / rw - ext4 /dev/sda1 rw')]).toEqual(['8:1']);
    expect([...swapDevices('Filename Type Size Used Priority\n/dev/sdb1 partition 1 0 -2\n/swapfile file 1 0 -3\n')]).toEqual(['sdb1']);
    expect(contentCounters('1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17')).toBe('5/12');
  });

  it('stays the same while nothing changes, and when a mounted or held device is written', async () => {
    const before = await fp();
    expect(await fp()).toBe(before);
    writes('sda/sda1', 7); // the mounted root
    writes('sda', 7); // its disk, which adds up its partitions
    expect(await fp()).toBe(before);
    // Mount ids change with every remount elsewhere; the mounts themselves did not.
    mountinfo(['30 2 0:21 / /proc rw,nosuid - proc proc rw', '31 2 8:1 / / rw,relatime - ext4 /dev/sda1 rw']);
    expect(await fp()).toBe(before);
  });

  it('moves when a device is written, attached, resized, mounted, swapped on or made read-only, or an image changes', async () => {
    const changes: [string, () => void][] = [
      ['an idle disk is written', () => writes('sdb', 1)],
      ['an idle partition of a busy disk is written', () => writes('sda/sda2', 1)],
      ['a loop device is re-attached to another file', () => put(join(root, 'devices', 'loop0', 'loop', 'backing_file'), '/images/b.img\n')],
      ['a disk appears or is resized', () => put(join(proc, 'partitions'), 'major minor  #blocks  name\n\n   8       32   2097152 sdc\n')],
      ['a partition is mounted', () => mountinfo(['22 1 0:21 / /proc rw,nosuid - proc proc rw', '29 1 8:1 / / rw - ext4 /dev/sda1 rw', '40 29 8:2 / /mnt rw - ext4 /dev/sda2 rw'])],
      ['swap is turned on', () => put(join(proc, 'swaps'), 'Filename Type Size Used Priority\n/dev/sdb partition 1 0 -2\n')],
      ['a disk is made read-only', () => put(join(root, 'devices', 'sdb', 'ro'), '1\n')],
      ['an image file is written', () => put(image, 'xy')],
    ];
    for (const [what, change] of changes) {
      const before = await fp();
      change();
      expect(await fp(), what).not.toBe(before);
    }
  });

  it('a device under a holder (device-mapper, RAID) counts as busy: its writes are its holder’s', async () => {
    device('sdd', '8:48', { holders: ['dm-0'] });
    const before = await fp();
    writes('sdd', 9);
    expect(await fp()).toBe(before);
  });
});
