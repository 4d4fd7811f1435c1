// The service under load (issue #21, F7): `livekit serve`'s composition (startService + RealEngine, the
// real collection of facts, the real change detector) over its real WebSocket. 200 concurrent `facts`
// requests from four windows are all answered from one collection, and `state` is answered while that
// collection is held open; facts are collected again when a device changes (a loop device attached,
// then formatted, then detached) and not when nothing changed. The collections are counted through the
// engine's `collectFacts` port, which calls the real collectMachineFacts.
import { rm, truncate, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMachineFacts } from '../../electron/engine/disks/collect.ts';
import { deviceFingerprint } from '../../electron/engine/disks/device-fingerprint.ts';
import { RealEngine } from '../../electron/engine/service/engine.ts';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import { rpcClient } from '../e2e/serve.ts';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('test/integration/service-load: skipped (needs root: lsblk/blkid see every device, the OS probe mounts, loop devices)');

/** The engine as `livekit serve` makes it, with its collections counted (and held at a gate when asked). */
function countedService(dir: string) {
  const seen = { collections: 0, fingerprints: [] as string[], gate: null as Promise<void> | null, started: () => {} };
  const engine = new RealEngine({
    cmdline: '',
    logDir: dir,
    targetBase: dir,
    collectFacts: async (o) => {
      seen.collections++;
      seen.started();
      if (seen.gate) await seen.gate;
      return collectMachineFacts(o);
    },
    // The real change detector; what it read is kept, to tell a quiet machine from a busy one.
    fingerprint: async () => {
      const fp = await deviceFingerprint();
      seen.fingerprints.push(fp);
      return fp;
    },
  });
  return { engine, seen, quiet: () => quietOr(seen.fingerprints) };
}

/** True when all these fingerprints are the same; else says what changed (a few lines of the first difference). */
function quietOr(fingerprints: string[]): boolean {
  const distinct = [...new Set(fingerprints)];
  if (distinct.length <= 1) return true;
  const [a, b] = distinct.map((f) => new Set(f.split('\n')));
  console.warn(`service-load: the devices changed meanwhile: -${[...a!].filter((l) => !b!.has(l)).slice(0, 3).join(' | ')} +${[...b!].filter((l) => !a!.has(l)).slice(0, 3).join(' | ')}`);
  return false;
}

/** Runs `attempt` until the machine's devices stayed the same during one (other tests attach loop devices too). */
async function onAQuietMachine(attempt: () => Promise<boolean>): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    if (await attempt()) return;
    console.warn(`service-load: attempt ${i} was not on a quiet machine: again`);
  }
  throw new Error('the devices changed during each of 3 attempts: no quiet moment to check against');
}

describe.skipIf(!isRoot)('the service under load (needs root)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-load-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('200 concurrent facts requests: all answered, one collection; state answered meanwhile', async () => {
    await onAQuietMachine(async () => {
      const { engine, seen, quiet } = countedService(dir);
      let open!: () => void;
      seen.gate = new Promise<void>((r) => (open = r));
      const started = new Promise<void>((r) => (seen.started = r));
      const svc: RunningService = await startService({ engine, rendererDir: dir });
      const windows = await Promise.all(Array.from({ length: 4 }, () => rpcClient(svc)));
      try {
        let settled = 0;
        const requests = Array.from({ length: 200 }, (_, i) =>
          windows[i % 4]!.rpc.facts.query({ lang: i % 2 ? 'en' : 'zh-CN', ...(i % 3 ? { variant: 'desktop', swap: `${(i % 5) + 1}GiB` } : {}) }).finally(() => settled++),
        );
        await started;
        // The collection is held open: every facts request is waiting, and state is answered anyway.
        expect((await windows[3]!.rpc.state.query()).phase).toBe('idle');
        expect(settled).toBe(0);
        open();
        const answers = await Promise.all(requests);
        expect(answers).toHaveLength(200);
        const disks = JSON.stringify(answers[0]!.disks.map((d) => d.disk));
        for (const a of answers) expect(JSON.stringify(a.disks.map((d) => d.disk))).toBe(disks);
        if (!quiet()) return false;
        expect(seen.collections).toBe(1);
        // Later requests, nothing changed: the cache answers.
        await windows[0]!.rpc.facts.query({ lang: 'en', variant: 'server', swap: 'none' });
        if (!quiet()) return false;
        expect(seen.collections).toBe(1);
        return true;
      } finally {
        await Promise.all(windows.map((w) => w.close()));
        await svc.close();
      }
    });
  });

  describe('a device change', () => {
    let image = '';
    let loop = '';
    let svc: RunningService;
    let client: Awaited<ReturnType<typeof rpcClient>>;
    let counted: ReturnType<typeof countedService>;
    const paths = async () => (await client.rpc.facts.query({ lang: 'en' })).disks.map((d) => d.disk.path);
    beforeAll(async () => {
      counted = countedService(dir);
      svc = await startService({ engine: counted.engine, rendererDir: dir });
      client = await rpcClient(svc);
      image = join(dir, 'plugged.img');
      await writeFile(image, '');
      await truncate(image, 64 * 1024 * 1024);
    });
    afterAll(async () => {
      if (loop) await execa('losetup', ['-d', loop], { reject: false });
      await client?.close();
      await svc?.close();
    });

    it('a loop device attached between two facts calls appears; formatted, its filesystem shows; detached, it goes', async () => {
      const before = await paths();
      const n = counted.seen.collections;
      loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
      expect(before).not.toContain(loop);
      expect(await paths()).toContain(loop);
      expect(counted.seen.collections).toBeGreaterThan(n);

      // Written, not resized or re-attached: the disk's write counter moves, the facts follow.
      await execa('mkfs.ext4', ['-q', '-F', loop]);
      const formatted = (await client.rpc.facts.query({ lang: 'en' })).disks.find((d) => d.disk.path === loop);
      expect(formatted?.disk.fstype).toBe('ext4');

      await execa('losetup', ['-d', loop]);
      const gone = loop;
      loop = '';
      expect(await paths()).not.toContain(gone);
    });

    it('nothing changed: the second call does not collect again', async () => {
      await onAQuietMachine(async () => {
        await client.rpc.facts.query({ lang: 'en' });
        const n = counted.seen.collections;
        const reads = counted.seen.fingerprints.length;
        await client.rpc.facts.query({ lang: 'zh-TW', variant: 'desktop', swap: '2GiB' });
        if (!quietOr(counted.seen.fingerprints.slice(reads - 1))) return false;
        expect(counted.seen.collections).toBe(n);
        return true;
      });
    });
  });
});
