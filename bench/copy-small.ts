// Copy-stage benchmark (issue #2): the engine's copier (rsync with progress parsing, as the executor
// runs it) against plain `rsync -aHAXS` of the same overlay-composed sysroot, each onto a fresh ext4
// filesystem on a loop device, alternating (plain, engine, engine, plain) so cache effects even out.
// Also: peak memory of the node process and of rsync during the engine's copy; progress monotonicity.
// Writes bench/RESULTS-copy-small.md. Run as root: bash scripts/bench.sh copy-small (or node --import tsx bench/copy-small.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { composeFixture, fixtureMedium } from '../test/helpers/fixture.ts';
import { ExecaRunner } from '../electron/engine/run/runner.ts';
import { RsyncCopier } from '../electron/engine/run/copier.ts';
import type { CopyProgress } from '../electron/engine/run/rsync-progress.ts';

const FILES = Number(process.env['LIVEKIT_BENCH_FILES'] ?? 100_000);
const ROUNDS = Number(process.env['LIVEKIT_BENCH_ROUNDS'] ?? 2);
const OUT = new URL('./RESULTS-copy-small.md', import.meta.url).pathname;
const MiB = 1024 ** 2;

interface Target {
  dir: string;
  release: () => Promise<void>;
}

/** A fresh ext4 filesystem on a loop device over a sparse image, mounted at a new dir. */
async function freshTarget(work: string, name: string): Promise<Target> {
  const image = join(work, `${name}.img`);
  const dir = join(work, name);
  await execa('truncate', ['-s', '4G', image]);
  await execa('mkfs.ext4', ['-q', '-F', image]);
  const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  await execa('mkdir', ['-p', dir]);
  try {
    await execa('mount', [loop, dir]);
  } catch (e) {
    await execa('losetup', ['-d', loop]);
    throw e;
  }
  return {
    dir,
    release: async () => {
      await execa('umount', [dir], { reject: false });
      await execa('losetup', ['-d', loop], { reject: false });
      rmSync(image, { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of the resident memory of rsync processes writing into `dir` (sender, generator, receiver). */
function rsyncRss(dir: string): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'rsync') continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) sum += Number(m[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return sum;
}

function sampler(dir: string) {
  let node = 0;
  let rsync = 0;
  let combined = 0;
  const tick = () => {
    const n = process.memoryUsage().rss;
    const r = rsyncRss(dir);
    node = Math.max(node, n);
    rsync = Math.max(rsync, r);
    combined = Math.max(combined, n + r);
  };
  const timer = setInterval(tick, 100);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return { node, rsync, combined };
    },
  };
}

async function timePlain(source: string, target: string): Promise<number> {
  const t0 = performance.now();
  await execa('rsync', ['-aHAXS', `${source}/`, `${target}/`]);
  return (performance.now() - t0) / 1000;
}

async function timeEngine(source: string, target: string, totalBytes: number, totalFiles: number) {
  const progress: CopyProgress[] = [];
  const mem = sampler(target);
  const t0 = performance.now();
  await new RsyncCopier().copy({ source, target, totalBytes, totalFiles, runner: new ExecaRunner(), onProgress: (p) => progress.push(p) });
  const seconds = (performance.now() - t0) / 1000;
  const peak = mem.stop();
  const monotonic = progress.every((p, i) => i === 0 || (p.bytes >= progress[i - 1]!.bytes && p.percent >= progress[i - 1]!.percent));
  return { seconds, peak, progress, monotonic };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/copy.ts needs root (loop devices, mounts)');
  console.log(`copy bench: fixture with ${FILES} extra files (built once, cached)`);
  const medium = await fixtureMedium({ big: FILES });
  const fx = await composeFixture(medium);
  const work = mkdtempSync('/var/tmp/lk-bench-');
  const targets: Target[] = [];
  try {
    const source = join(fx.sysroots, 'desktop');
    const bytes = Number((await execa('du', ['-sb', '--apparent-size', source])).stdout.split('\t')[0]);
    const files = Number((await execa('sh', ['-c', `find ${source} -xdev | wc -l`])).stdout);
    console.log(`source: ${files} inodes, ${(bytes / MiB).toFixed(1)} MiB apparent`);
    // Warm the squashfs page cache once, so neither side pays the first read alone.
    await execa('sh', ['-c', `tar -C ${source} -cf - . | cat > /dev/null`]);

    const plain: number[] = [];
    const engine: Awaited<ReturnType<typeof timeEngine>>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['plain', 'engine'] : ['engine', 'plain'];
      for (const kind of order) {
        const t = await freshTarget(work, `${kind}-${round}`);
        targets.push(t);
        if (kind === 'plain') {
          const s = await timePlain(source, t.dir);
          plain.push(s);
          console.log(`round ${round + 1}: plain rsync -aHAXS  ${s.toFixed(2)} s`);
        } else {
          const r = await timeEngine(source, t.dir, bytes, files);
          engine.push(r);
          console.log(`round ${round + 1}: engine copier       ${r.seconds.toFixed(2)} s, peak node ${(r.peak.node / MiB).toFixed(0)} MiB + rsync ${(r.peak.rsync / MiB).toFixed(0)} MiB, ${r.progress.length} progress events, monotonic ${r.monotonic}`);
        }
        await t.release();
        targets.pop();
      }
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const plainS = mean(plain);
    const engineS = mean(engine.map((e) => e.seconds));
    const ratio = plainS / engineS;
    const peakNode = Math.max(...engine.map((e) => e.peak.node));
    const peakRsync = Math.max(...engine.map((e) => e.peak.rsync));
    const peakCombined = Math.max(...engine.map((e) => e.peak.combined));
    const monotonic = engine.every((e) => e.monotonic);
    const cpu = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const md = [
      '# Copy stage benchmark',
      '',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash scripts/bench.sh copy-small\` (bench/copy-small.ts) on ${cpu} cores (load average ${load} at the end; the machine is shared).`,
      `Source: the fixture's overlay-composed \`desktop\` sysroot (squashfs layers) with ${FILES} extra small files: ${files} inodes, ${(bytes / MiB).toFixed(1)} MiB apparent.`,
      'Each copy goes onto a fresh ext4 filesystem on a loop device; the source is read once beforehand (warm cache for both sides; the machine is shared, so caches are not dropped); rounds alternate the order.',
      '',
      '| | mean time | throughput | target |',
      '| --- | --- | --- | --- |',
      `| plain \`rsync -aHAXS\` | ${plainS.toFixed(2)} s | ${(bytes / MiB / plainS).toFixed(1)} MiB/s, ${(files / plainS).toFixed(0)} files/s | |`,
      `| engine copier (rsync -aHAXS -W --numeric-ids -x --no-inc-recursive --info=progress2, parsed) | ${engineS.toFixed(2)} s | ${(bytes / MiB / engineS).toFixed(1)} MiB/s, ${(files / engineS).toFixed(0)} files/s | |`,
      `| **ratio** (plain time / engine time) | **${ratio.toFixed(3)}** | | ≥ 0.95 ${ratio >= 0.95 ? 'met' : 'NOT met'} |`,
      `| peak memory during the engine's copy: node | ${(peakNode / MiB).toFixed(0)} MiB | | |`,
      `| peak memory: rsync processes (sum) | ${(peakRsync / MiB).toFixed(0)} MiB | | |`,
      `| **peak memory: node + rsync** | **${(peakCombined / MiB).toFixed(0)} MiB** | | ≤ 200 MB ${peakCombined <= 200e6 ? 'met' : 'NOT met'} |`,
      `| progress never went backwards | ${monotonic ? 'yes' : 'NO'} (${engine.map((e) => e.progress.length).join(', ')} events) | | required |`,
      '',
      `Rounds (s): plain ${plain.map((s) => s.toFixed(2)).join(', ')}; engine ${engine.map((e) => e.seconds.toFixed(2)).join(', ')}.`,
      '',
    ].join('\n');
    writeFileSync(OUT, md);
    console.log(`\n${md}`);
    if (!monotonic) process.exitCode = 1;
  } finally {
    for (const t of targets) await t.release();
    await fx.release();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
