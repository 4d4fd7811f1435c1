// Copy-stage benchmark on real work (issue #16): a real sysroot composed as on the medium (an overlay of
// squashfs layers, mounted as the loader mounts them) copied onto fresh ext4, xfs and btrfs filesystems on
// loop devices by plain `rsync -aHAXS`, the engine's rsync copier (before), the engine's layer copier (now)
// and `unsquashfs` of one image of the same tree (the limit). Page cache dropped before every copy, `sync`
// inside the timing, copiers rotated each round. Reports time, ratio to plain rsync, MB/s, files/s, peak
// memory of the copying process and its children, and the progress error (largest gap between the
// reported percent and the share of bytes already on the target, sampled in an untimed copy). After the layer copier's first
// copy onto each filesystem the metadata walk compares target and source.
// Sources: the Debian fixture (test/fixtures/debian-sysroot, packed in three layers by
// test/fixtures/debian-sysroot/layered.sh) and, when built, a release medium's sysroot:
// LIVEKIT_BENCH_MEDIUM=<dir holding livekit/> [LIVEKIT_BENCH_SYSROOT=desktop].
// Writes bench/RESULTS-copy.md. Run as root: bash scripts/bench.sh copy.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { detectCopyMethod } from '../electron/engine/run/layer-stack.ts';
import { diffTrees, walkTree } from '../test/helpers/walk.ts';
import { layeredDebian } from '../test/helpers/debian-layered.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/RESULTS-copy.md');
const ROUNDS = Number(process.env['LIVEKIT_BENCH_ROUNDS'] ?? 2);
const FILESYSTEMS = (process.env['LIVEKIT_BENCH_FS'] ?? 'ext4,xfs,btrfs').split(',') as Fs[];
const COMPOSE = join(ROOT, 'scripts/compose-sysroots.sh');
const MiB = 1024 ** 2;

type Fs = 'ext4' | 'xfs' | 'btrfs';
type CopierName = 'rsync -aHAXS' | 'engine, rsync (before)' | 'engine, layers (now)' | 'unsquashfs, one image';
const COPIERS: CopierName[] = ['rsync -aHAXS', 'engine, rsync (before)', 'engine, layers (now)', 'unsquashfs, one image'];

interface Source {
  label: string;
  /** The medium (holding livekit/) and the sysroot's name on it. */
  medium: string;
  sysroot: string;
  path: string;
  /** One squashfs image of the whole tree, when there is one. */
  full?: string;
  bytes: number;
  inodes: number;
  layers: number;
  release: () => Promise<void>;
}

interface Sample {
  seconds: number;
  peakBytes: number;
}

const sh = async (cmd: string) => (await execa('bash', ['-c', cmd])).stdout.trim();

/** The Debian fixture packed as three layers (cached) and composed. */
async function debianSource(): Promise<Source> {
  const root = await sh(`bash ${join(ROOT, 'test/fixtures/debian-sysroot/build.sh')} --print-root`);
  console.log(`the Debian fixture in three squashfs layers (packed once; minutes): ${root}`);
  const d = await layeredDebian(root);
  return compose('Debian 12 fixture (3 layers)', d.medium, 'debian', d.full);
}

async function compose(label: string, medium: string, sysroot: string, full?: string): Promise<Source> {
  const run = mkdtempSync('/tmp/lk-bench-run-');
  const release = async () => {
    await execa('bash', [COMPOSE, 'umount', run], { reject: false });
    rmSync(run, { recursive: true, force: true });
  };
  await execa('bash', [COMPOSE, 'mount', medium, run]);
  const path = join(run, 'sysroots', sysroot);
  const method = detectCopyMethod(path);
  const bytes = Number((await sh(`du -sb --apparent-size ${path}`)).split('\t')[0]);
  const inodes = Number(await sh(`find ${path} -xdev | wc -l`));
  return { label, medium, sysroot, path, ...(full ? { full } : {}), bytes, inodes, layers: method.kind === 'layers' ? method.layers.length : 0, release };
}

async function freshTarget(work: string, fs: Fs, name: string): Promise<{ dir: string; release: () => Promise<void> }> {
  const image = join(work, `${name}.img`);
  const dir = join(work, name);
  await execa('truncate', ['-s', '6G', image]);
  const mkfs = { ext4: ['mkfs.ext4', '-q', '-F'], xfs: ['mkfs.xfs', '-q', '-f'], btrfs: ['mkfs.btrfs', '-q', '-f'] }[fs];
  await execa(mkfs[0]!, [...mkfs.slice(1), image]);
  const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  mkdirSync(dir, { recursive: true });
  await execa('mount', [loop, dir]).catch(async (e: unknown) => {
    await execa('losetup', ['-d', loop]);
    throw e;
  });
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

/** Resident memory of `root` and every descendant (rsync's three processes; node and its unsquashfs, getfattr). */
function treeRss(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(p), Number(fields[1]));
      rss.set(Number(p), Number(fields[21]) * 4096);
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const [pid, bytes] of rss) {
    for (let q: number | undefined = pid; q !== undefined && q > 1; q = parent.get(q)) {
      if (q === root) {
        sum += bytes;
        break;
      }
    }
  }
  return sum;
}

/**
 * esbuild with the flags the medium's engine is bundled with (scripts/mklive/lib/installer.sh), so that
 * plain node runs it as the Live session does: no tsx, no compile cache, no esbuild service beside it.
 */
async function bundle(entry: string, outfile: string): Promise<string> {
  await execa(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, entry),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    `--outfile=${outfile}`,
    '--external:bufferutil',
    '--external:utf-8-validate',
    '--log-level=warning',
    "--banner:js=import { createRequire as __livekitRequire } from 'node:module'; const require = __livekitRequire(import.meta.url);",
  ]);
  return outfile;
}

/**
 * The engine's copiers run in a process of their own (bench/copy-runner.ts, bundled): its memory is the
 * copier's, not the bench's, and sampling here never delays the copier's event loop.
 */
const bundleRunner = (work: string) => bundle('bench/copy-runner.ts', join(work, 'copy-runner.mjs'));

/** The `livekit` command as the medium carries it: electron/cli/main.mjs beside locales/. */
async function bundleCli(work: string): Promise<string> {
  const app = join(work, 'cli-app');
  mkdirSync(join(app, 'electron/cli'), { recursive: true });
  symlinkSync(join(ROOT, 'locales'), join(app, 'locales'));
  return bundle('electron/cli/main.ts', join(app, 'electron/cli/main.mjs'));
}

interface InstallMemory {
  seconds: number;
  copyPeak: number;
  peak: number;
  peakStep: string;
  copier: string;
}

/**
 * A whole `livekit install --yes --json` of the source onto a sparse disk image (the default layout, ext4),
 * by the bundled CLI: the engine's real process, its peak memory (process tree, sampled every 100 ms) during
 * the copy step and during the whole install, with the step it was reached in.
 */
async function installMemory(source: Source, work: string, cli: string): Promise<InstallMemory> {
  const image = join(work, 'install-target.img');
  const config = join(work, 'install.yaml');
  await execa('truncate', ['-s', `${Math.ceil((source.bytes * 2) / 2 ** 30) + 4}G`, image]);
  const answers = ['version: 1', `variant: ${source.sysroot}`, 'target:', `  disk: ${image}`, '  swap: none', 'hostname: bench', 'user:', '  name: alice', '  password: "pw12"', 'bootloader: auto', ''];
  writeFileSync(config, answers.join('\n'));
  await execa('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
  const t0 = performance.now();
  const proc = execa('node', [cli, 'install', '--config', config, '--yes', '--json', '--medium', source.medium, '--sysroots', dirname(source.path), '--cmdline-file', '/dev/null', '--log', join(work, 'install.log')], { stdout: 'pipe', buffer: false, reject: false });
  let step = 'start';
  let copier = '?';
  let copyPeak = 0;
  let peak = 0;
  let peakStep = step;
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as { type: string; step?: string; state?: string; message?: string };
    if (e.type === 'step' && e.state === 'start') step = e.step!;
    const m = e.type === 'log' ? /^copy: copier (\w+)/.exec(e.message ?? '') : null;
    if (m) copier = m[1]!;
  });
  const timer = setInterval(() => {
    const rss = proc.pid ? treeRss(proc.pid) : 0;
    if (step === 'copy') copyPeak = Math.max(copyPeak, rss);
    if (rss > peak) [peak, peakStep] = [rss, step];
  }, 100);
  try {
    const r = await proc;
    if (r.exitCode !== 0) throw new Error(`livekit install exited ${r.exitCode}: ${String(r.stderr).slice(-1500)}`);
  } finally {
    clearInterval(timer);
    rmSync(image, { force: true });
  }
  return { seconds: (performance.now() - t0) / 1000, copyPeak, peak, peakStep, copier };
}

/** One timed copy: caches dropped, `sync` inside the timing, peak memory of the copying process tree sampled. */
async function timed(source: Source, target: string, copier: CopierName, runner: string): Promise<Sample> {
  await execa('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
  let peak = 0;
  const t0 = performance.now();
  const proc = startCopier(source, target, copier, runner);
  const tick = () => {
    if (proc.pid) peak = Math.max(peak, treeRss(proc.pid));
  };
  const timer = setInterval(tick, 100);
  try {
    await proc;
  } finally {
    clearInterval(timer);
  }
  await execa('sync');
  return { seconds: (performance.now() - t0) / 1000, peakBytes: peak };
}

/** Starts one copier; the engine's report their progress on stdout as JSON lines when `progress` is asked. */
function startCopier(source: Source, target: string, copier: CopierName, runner: string, progress = false): ResultPromise {
  if (copier === 'rsync -aHAXS') return execa('rsync', ['-aHAXS', `${source.path}/`, `${target}/`]);
  if (copier === 'unsquashfs, one image') return execa('unsquashfs', ['-f', '-d', target, source.full!]);
  const kind = copier === 'engine, layers (now)' ? 'layers' : 'rsync';
  return execa('node', [runner, kind, source.path, target, String(source.bytes)], progress ? { stdout: 'pipe', buffer: false } : { stdout: 'ignore' });
}

interface ProgressError {
  /** Against the percents reported while du read (the figure compared with the target). */
  error: number;
  /** Against the percent reported when du started: what a sampler that ignores du's own time would say. */
  atStart: number;
  backwards: boolean;
}

/**
 * The progress error, in an untimed copy of its own: every 200 ms the apparent size of everything on the
 * target (du), the final size being 100 %, against the percent the copier reported. du takes up to half a
 * second on a desktop's tree while the copy goes on, so its reading belongs to some instant of that span:
 * the error is its distance from the interval of percents reported from du's start to its end. The largest,
 * in percentage points; also whether the percent ever went backwards.
 */
async function progressError(source: Source, target: string, copier: CopierName, runner: string): Promise<ProgressError> {
  await execa('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
  // rsync's temporary files vanish while du reads: it complains, and its total is still the one wanted.
  const du = async () => Number((await execa('du', ['-s', '-B1', '--apparent-size', target], { reject: false })).stdout.split('\t')[0]);
  const base = await du();
  let reported = 0;
  let backwards = false;
  const proc = startCopier(source, target, copier, runner, true);
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const p = (JSON.parse(line) as { percent: number }).percent;
    if (p < reported) backwards = true;
    reported = p;
  });
  const samples: { from: number; to: number; bytes: number }[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      const from = reported;
      const bytes = (await du()) - base;
      samples.push({ from, to: reported, bytes });
      await new Promise((res) => setTimeout(res, 200));
    }
  })();
  try {
    await proc;
  } finally {
    running = false;
    await sampler;
  }
  const total = (await du()) - base;
  const gap = (x: (typeof samples)[number]) => {
    const actual = (100 * x.bytes) / total;
    return actual < x.from ? x.from - actual : actual > x.to ? actual - x.to : 0;
  };
  const atStart = (x: (typeof samples)[number]) => Math.abs((100 * x.bytes) / total - x.from);
  return { error: Math.max(0, ...samples.map(gap)), atStart: Math.max(0, ...samples.map(atStart)), backwards };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

async function benchSource(source: Source, work: string, tools: { runner: string; cli: string }, out: string[]): Promise<void> {
  const { runner } = tools;
  const copiers = COPIERS.filter((c) => c !== 'unsquashfs, one image' || source.full);
  const results = new Map<string, Sample[]>();
  const walkDiffs = new Map<Fs, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const fs of FILESYSTEMS) {
      const order = copiers.map((_, i) => copiers[(i + round + FILESYSTEMS.indexOf(fs)) % copiers.length]!);
      for (const c of order) {
        const t = await freshTarget(work, fs, 'target');
        try {
          const s = await timed(source, t.dir, c, runner);
          results.set(`${fs}|${c}`, [...(results.get(`${fs}|${c}`) ?? []), s]);
          console.log(`${source.label} round ${round + 1} ${fs} ${c}: ${s.seconds.toFixed(2)} s, peak ${(s.peakBytes / MiB).toFixed(0)} MiB`);
          if (c === 'engine, layers (now)' && !walkDiffs.has(fs)) {
            const diff = diffTrees(await walkTree(source.path), await walkTree(t.dir, { skip: (rel) => rel === 'lost+found' }));
            walkDiffs.set(fs, diff.length);
            if (diff.length) console.log(`walk differences on ${fs}:\n${diff.slice(0, 20).join('\n')}`);
          }
        } finally {
          await t.release();
        }
      }
    }
  }
  const errors = new Map<string, ProgressError>();
  for (const fs of FILESYSTEMS) {
    for (const c of ['engine, rsync (before)', 'engine, layers (now)'] as CopierName[]) {
      const t = await freshTarget(work, fs, 'target');
      try {
        const e = await progressError(source, t.dir, c, runner);
        errors.set(`${fs}|${c}`, e);
        console.log(`${source.label} progress ${fs} ${c}: error ${e.error.toFixed(1)} points (${e.atStart.toFixed(1)} at du's start)${e.backwards ? ', went BACKWARDS' : ''}`);
      } finally {
        await t.release();
      }
    }
  }
  const install = await installMemory(source, work, tools.cli);
  console.log(`${source.label} whole install: ${install.seconds.toFixed(0)} s, copier ${install.copier}, peak ${(install.copyPeak / MiB).toFixed(0)} MiB in the copy, ${(install.peak / MiB).toFixed(0)} MiB in ${install.peakStep}`);
  out.push(`### ${source.label}`, '');
  out.push(`${source.inodes} inodes, ${(source.bytes / 1e6).toFixed(0)} MB apparent; the engine reads ${source.layers} squashfs layer(s) from the mount table.`, '');
  out.push('| target | copier | time per round (s) | vs rsync -aHAXS | MB/s | files/s | peak memory | progress error | walk |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const fs of FILESYSTEMS) {
    const plain = mean(results.get(`${fs}|rsync -aHAXS`)!.map((s) => s.seconds));
    for (const c of copiers) {
      const r = results.get(`${fs}|${c}`)!;
      const secs = mean(r.map((s) => s.seconds));
      const err = errors.get(`${fs}|${c}`);
      const ratio = plain / secs;
      const walk = c === 'engine, layers (now)' ? `${walkDiffs.get(fs)} differences` : '';
      const back = err?.backwards ? ' (went BACKWARDS)' : ', never backwards';
      out.push(
        `| ${fs} | ${c} | ${r.map((s) => s.seconds.toFixed(2)).join(', ')} | ${c === 'rsync -aHAXS' ? '1×' : `**${ratio.toFixed(2)}×**`} | ${(source.bytes / 1e6 / secs).toFixed(0)} | ${(source.inodes / secs).toFixed(0)} | ${(Math.max(...r.map((s) => s.peakBytes)) / MiB).toFixed(0)} MiB | ${err ? `${err.error.toFixed(1)} points (${err.atStart.toFixed(1)} at du's start)${back}` : '–'} | ${walk} |`,
      );
    }
  }
  out.push(
    '',
    `A whole install of it by the bundled \`livekit install\` (ext4, default layout, ${install.seconds.toFixed(0)} s, copier: ${install.copier}): the engine's process tree peaked at **${(install.copyPeak / MiB).toFixed(0)} MiB during the copy** and at ${(install.peak / MiB).toFixed(0)} MiB over the whole install (in its \`${install.peakStep}\` step).`,
    '',
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/copy.ts needs root (loop devices, mounts, drop_caches)');
  const loadBefore = await sh('uptime');
  const work = mkdtempSync('/var/tmp/lk-bench-copy-');
  const out: string[] = [];
  const sources: Source[] = [];
  try {
    sources.push(await debianSource());
    const medium = process.env['LIVEKIT_BENCH_MEDIUM'];
    if (medium) sources.push(await compose(`release medium ${process.env['LIVEKIT_BENCH_SYSROOT'] ?? 'desktop'}`, medium, process.env['LIVEKIT_BENCH_SYSROOT'] ?? 'desktop'));
    else console.log('the release MATE desktop: not built on this machine (set LIVEKIT_BENCH_MEDIUM to a built medium): skipped');
    const tools = { runner: await bundleRunner(work), cli: await bundleCli(work) };
    for (const s of sources) await benchSource(s, work, tools, out);
  } finally {
    for (const s of sources) await s.release();
    rmSync(work, { recursive: true, force: true });
  }
  const loadAfter = await sh('uptime');
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
  const md = [
    '# Copy stage benchmark',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash scripts/bench.sh copy\` (bench/copy.ts), ${ROUNDS} rounds, on ${cpu} cores **shared with other engineers' builds and tests** (load: \`${loadBefore}\` before, \`${loadAfter}\` after); the copiers are rotated every round and every filesystem so that load falls on all of them alike.`,
    '',
    'Method: the source is composed as on the medium (squashfs layers on loop devices under a read-only overlay, by scripts/compose-sysroots.sh, as the loader does); every copy goes onto a fresh filesystem on a loop device over a sparse 6 GiB image in /var/tmp; `sync` and `echo 3 > /proc/sys/vm/drop_caches` before each copy; the time includes the final `sync`. The engine\'s copiers run in a process of their own, bundled by esbuild and run by plain node as the medium runs the engine (bench/copy-runner.ts); its start (~50 ms) is inside the time. Peak memory: resident memory of the copying process and every child (node, unsquashfs, getfattr; rsync\'s three processes), sampled every 100 ms. Progress error: in a separate untimed copy per engine copier and filesystem, every 200 ms the apparent size of everything on the target (du; the final size is 100 %) against the percents the copier reported from du\'s start to its end (du takes up to half a second on a desktop\'s tree while the copy goes on, so its reading belongs to some instant of that span); the largest distance, in percentage points; in brackets the largest gap to the percent reported when du started, as earlier runs of this bench measured it, sampling in the copier\'s own process. (The used blocks of the filesystem were tried first: speculative preallocation on xfs makes them run far ahead of what is written.) Walk: the metadata walk of test/helpers/walk.ts, target against the composed source, after the layer copier\'s first copy on each filesystem.',
    '',
    ...out,
    '## The choice',
    '',
    'The engine unpacks the sysroot\'s squashfs layers bottom-up with unsquashfs and applies each upper layer\'s overlayfs rules itself (electron/engine/run/layer-copier.ts: whiteouts, opaque dirs, redirected dirs, entries replaced by another kind, hardlinks of lower layers never written through, `trusted.overlay.*` removed, every dir of a layer given that layer\'s owner, mode and times, and once all are unpacked the lower layers\' dirs that carry xattrs of their own and were merged above compared with the composed source, losing the xattrs overlayfs does not show): it reads the compressed data once and writes each file once, which is why `unsquashfs` of one image is the limit above. What it costs beyond that limit: one getfattr and one walk per layer before writing (the layer stack and what each layer hides), one unsquashfs per layer, files replaced in upper layers written twice. The other candidate, a parallel copier of the composed tree, was not built: every file would still be read through the overlay and squashfs one by one, and on this machine kind `cp -a` and a tar pipe of such a tree measured about 1.3× rsync (REFERENCES.md, 2026-11-30) against ≈ 2.4× for unsquashfs.',
    '',
    'rsync stays the copier, and the plan\'s copy action says why (`method: {kind: rsync, reason, detail}`), for EROFS layers, a sysroot that is not an overlay of squashfs images on loop devices (a plain directory), mounts inside the sysroot, metacopy or data-only lower layers, xattr whiteouts, an opaque or redirected root, overlay xattrs on names that are not UTF-8, a redirected dir whose origin or destination is on a filesystem mounted inside the target (rename would fail with EXDEV), and a redirect that would move a lower dir carrying xattrs; also when the mount table no longer shows the planned stack when the copy starts. unsquashfs runs with 4 MiB queues (`-da 4 -fr 4`): measured 16–21 MiB resident instead of ~40 MiB with 16 MiB queues and ~480 MiB with the defaults, and no slower (2026-12-01, base and desktop layers onto ext4, alternating rounds); progress: `-i` names each entry as it is created (line-buffered by `stdbuf -oL`, else names wait in a 4 KiB stdio buffer and the bar stalls), a file counts by the size found in the walk once the next name appears, and a file of 1 MiB or more counts as far as its size on the target has grown.',
    '',
    process.env['LIVEKIT_BENCH_MEDIUM'] ? '' : 'The release medium\'s MATE `desktop` is not built on this machine: skipped (set `LIVEKIT_BENCH_MEDIUM=<medium dir>` to include it).',
    '',
  ].join('\n');
  writeFileSync(OUT, md);
  console.log(`\n${md}`);
}

await main();
