// The service under load (issue #21, F7), measured: `livekit serve`'s composition (startService +
// RealEngine with the real collection and change detector) over its real WebSocket, on this machine.
//  - 200 concurrent facts requests from four windows: time until all are answered, how many collections
//    ran, and how long a `state` request sent right after them waited;
//  - facts again, nothing changed (the fingerprint read only), and a service's first (a full collection);
//  - exportAnswers with a 120,000-character password (refused) and with a 1024-character one (hashed in
//    the worker), and `state` answered meanwhile.
// Figures: bench/RESULTS-service-load.md. Run as root (`bash bench/service-load.sh`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectMachineFacts } from '../electron/engine/disks/collect.ts';
import { RealEngine } from '../electron/engine/service/engine.ts';
import { startService } from '../electron/engine/service/server.ts';
import { rpcClient, ROOT } from '../test/e2e/serve.ts';

const ROUNDS = Number(process.env['LIVEKIT_BENCH_ROUNDS'] ?? 5);
const OUT = join(ROOT, 'bench', 'RESULTS-service-load.md');

const ms = (t0: number) => Math.round(performance.now() - t0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

const dir = mkdtempSync(join(tmpdir(), 'lk-bench-load-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
const loadBefore = loadavg()[0]!.toFixed(1);
const rows = { all: [] as number[], state: [] as number[], collections: [] as number[], cached: [] as number[], full: [] as number[], refuse: [] as number[], exp: [] as number[], expState: [] as number[] };

try {
  for (let round = 0; round < ROUNDS; round++) {
    let collections = 0;
    const engine = new RealEngine({ cmdline: '', logDir: dir, targetBase: dir, collectFacts: (o) => (collections++, collectMachineFacts(o)) });
    const svc = await startService({ engine, rendererDir: dir });
    const windows = await Promise.all(Array.from({ length: 4 }, () => rpcClient(svc)));
    try {
      const t0 = performance.now();
      const all = Promise.all(Array.from({ length: 200 }, (_, i) => windows[i % 4]!.rpc.facts.query({ lang: 'en', ...(i % 3 ? { variant: 'desktop', swap: `${(i % 5) + 1}GiB` } : {}) })));
      const state = windows[3]!.rpc.state.query().then(() => ms(t0));
      await all;
      rows.all.push(ms(t0));
      rows.state.push(await state);
      rows.collections.push(collections);

      let t = performance.now();
      await windows[0]!.rpc.facts.query({ lang: 'en' });
      rows.cached.push(ms(t));
      // A full collection: the first request of a service of its own.
      const fresh = await startService({ engine: new RealEngine({ cmdline: '', logDir: dir, targetBase: dir }), rendererDir: dir });
      const w = await rpcClient(fresh);
      t = performance.now();
      await w.rpc.facts.query({ lang: 'en' });
      rows.full.push(ms(t));
      await w.close();
      await fresh.close();

      t = performance.now();
      await windows[1]!.rpc.exportAnswers.mutate({ version: 1, user: { name: 'a', password: 'p'.repeat(120_000) } }).catch(() => null);
      rows.refuse.push(ms(t));
      t = performance.now();
      const exp = windows[1]!.rpc.exportAnswers.mutate({ version: 1, user: { name: 'a', password: '密'.repeat(1024) } }).then(() => ms(t));
      const st = windows[2]!.rpc.state.query().then(() => ms(t));
      rows.exp.push(await exp);
      rows.expState.push(await st);
    } finally {
      await Promise.all(windows.map((w) => w.close()));
      await svc.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const line = (what: string, xs: number[], unit = ' ms') => `| ${what} | ${median(xs)}${unit} | ${max(xs)}${unit} |`;
const md = [
  '# The service under load (bench/service-load.ts)',
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash bench/service-load.sh\`, ${ROUNDS} rounds, as root on this machine`,
  `(1-minute load ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after, on 2 cores shared with other engineers' builds and tests).`,
  'The real service and engine (lsblk, blkid per device, the OS probe) over the real WebSocket; each round starts a new service (an empty cache).',
  '',
  '| Measure | Median | Worst |',
  '| --- | --- | --- |',
  line('200 concurrent facts requests (4 windows, mixed variant/swap): all answered', rows.all),
  line('`state` sent right after them: answered after', rows.state),
  line('collections for those 200 requests', rows.collections, ''),
  line('facts again, nothing changed (fingerprint read, cached facts)', rows.cached),
  line('a service\'s first facts request (a full collection)', rows.full),
  line('exportAnswers, 120,000-character password: refused after', rows.refuse),
  line('exportAnswers, 1024-character (3072-byte) password: hashed in the worker, answered after', rows.exp),
  line('`state` sent during that export: answered after', rows.expState),
  '',
  'Before issue #21, measured once each on this machine: with the previous code, 200 concurrent facts took 12.5 s (few devices',
  'attached) and a 120,000-character password held every other reply for 32.5 s; with the single flight taken out of the',
  'cache (the negative control of test/integration/service-load.test.ts, other tests\' loop devices about), 200 concurrent',
  'facts took 29–106 s, or the WebSocket was dropped (keep-alive missed) and the requests got no answer.',
  '',
].join('\n');
writeFileSync(OUT, md);
process.stdout.write(md);
