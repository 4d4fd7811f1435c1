// Encrypted installs on loop devices, where this machine's kernel has no device-mapper: runs
// test/integration/install-encrypted.test.ts (the layered Debian fixture installed encrypted by the real CLI
// onto disk images, read back; a failure and SIGTERM with the container open) in a QEMU guest whose kernel has
// dm-crypt (test/boot/helpers/dm-guest.ts: the boot kit's Debian kernel, this machine's root read-only over 9p
// under a tmpfs overlay). The CLI it runs is the bundle the medium carries (scripts/mklive/bundle-engine.sh),
// as test/boot/rescue-unlock-vm.test.ts does. It passes only when every test there ran and passed: none
// skipped, none failed. With --e2e it then runs test/e2e/encrypt.test.ts (the wizard in Chromium) in another
// guest the same way. Too slow under TCG for CI (measured in bench/RESULTS-encrypted-install-vm.md), so
// not a vitest file.
//
// usage: nice -n 10 npx tsx test/release/install-encrypted-vm.ts [--e2e] [--only-e2e] [--memory MiB] [--out DIR]
// Root. Prints each run's figures and every test's outcome as Markdown; exit 0 only if every run passed.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { REPO } from '../boot/helpers/kit.ts';
import { runInDmGuest } from '../boot/helpers/dm-guest.ts';

const { values } = parseArgs({
  options: {
    e2e: { type: 'boolean', default: false },
    'only-e2e': { type: 'boolean', default: false },
    memory: { type: 'string', default: '6144' },
    out: { type: 'string', default: join(REPO, 'test-artifacts/install-encrypted-vm') },
    timeout: { type: 'string', default: '5400' },
  },
});

interface Outcome {
  file: string;
  seconds: number;
  code: number | null;
  timedOut: boolean;
  /** Each test's line as vitest's verbose reporter printed it: ✓ passed, × failed, ↓ skipped. */
  tests: { state: 'passed' | 'failed' | 'skipped'; name: string; ms?: number }[];
  summary: string;
  /** Lines the tests printed about themselves (install times). */
  notes: string[];
  passed: boolean;
}

/** Pure: the tests' outcomes from vitest's verbose output (ANSI colours already stripped). */
export function outcomes(log: string): Outcome['tests'] {
  const out: Outcome['tests'] = [];
  for (const line of log.split('\n')) {
    const m = /^\s+([✓×↓])\s+(.*?)(?:\s+(\d+)ms)?\s*$/.exec(line);
    if (!m) continue;
    const state = m[1] === '✓' ? 'passed' : m[1] === '×' ? 'failed' : 'skipped';
    out.push({ state, name: m[2]!, ...(m[3] ? { ms: Number(m[3]) } : {}) });
  }
  return out;
}

const out = values.out!;
mkdirSync(out, { recursive: true });
const app = mkdtempSync('/var/tmp/lk-encrypted-vm-');
const results: Outcome[] = [];
try {
  // The guest sees this machine's /var/tmp (read-only, under its overlay): the bundled CLI goes there.
  mkdirSync(join(app, 'electron/cli'), { recursive: true });
  await execa('bash', [join(REPO, 'scripts/mklive/bundle-engine.sh'), join(app, 'electron/cli/main.mjs')]);
  cpSync(join(REPO, 'locales'), join(app, 'locales'), { recursive: true });
  writeFileSync(join(app, 'livekit'), `#!/bin/sh\nexec node "${app}/electron/cli/main.mjs" "$@"\n`);
  chmodSync(join(app, 'livekit'), 0o755);

  const files = [
    ...(values['only-e2e'] ? [] : ['test/integration/install-encrypted.test.ts']),
    ...(values.e2e || values['only-e2e'] ? ['test/e2e/encrypt.test.ts'] : []),
  ];
  for (const file of files) {
    const name = file.replace(/^test\//, '').replace(/\.test\.ts$/, '').replace(/\//g, '-');
    const logFile = join(out, `${name}.serial.log`);
    console.error(`install-encrypted-vm: ${file} in the guest (serial log ${logFile})`);
    const r = await runInDmGuest({
      cwd: REPO,
      // The demo (`serve --demo`) builds its medium with mklive, whose overlay mounts under /var/tmp need a
      // real upper filesystem, not the guest's overlay root: a tmpfs there (the bundled CLI is not used by e2e).
      command: `${file.startsWith('test/e2e/') ? 'mount -t tmpfs -o mode=1777 tmpfs /var/tmp && ' : ''}node_modules/.bin/vitest run ${file} --reporter=verbose`,
      env: { LIVEKIT_TEST_BIN: join(app, 'livekit'), LIVEKIT_TEST_SERVE_TIMEOUT_MS: '600000' },
      timeoutMs: Number(values.timeout) * 1000,
      memoryMiB: Number(values.memory),
      logFile,
    });
    const tests = outcomes(r.output);
    const summary = /Tests\s+[^\n]*/.exec(r.output)?.[0]?.trim() ?? '(no summary: the run did not finish)';
    const passed = !r.timedOut && r.code === 0 && tests.length > 0 && tests.every((t) => t.state === 'passed') && /Tests\s+\d+ passed \(\d+\)/.test(r.output) && !/skipped|todo|failed/i.test(summary);
    const notes = r.output.split('\n').filter((l) => /^install-encrypted: /.test(l)).map((l) => l.trim());
    results.push({ file, seconds: r.seconds, code: r.code, timedOut: r.timedOut, tests, summary, notes, passed });
    console.error(`install-encrypted-vm: ${file}: ${passed ? 'passed' : 'NOT passed'} in ${r.seconds.toFixed(0)} s (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  }
} finally {
  rmSync(app, { recursive: true, force: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

const load = (await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
console.log(`## Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (host load at the end ${load})\n`);
for (const r of results) {
  console.log(`### ${r.file}: ${r.passed ? 'PASSED' : 'NOT PASSED'}, guest ${r.seconds.toFixed(0)} s (${(r.seconds / 60).toFixed(1)} min)${r.timedOut ? ', timed out' : ''}, exit ${r.code}\n`);
  console.log(`vitest: ${r.summary}\n`);
  console.log('| outcome | test | time |');
  console.log('|---|---|---|');
  for (const t of r.tests) console.log(`| ${t.state} | ${t.name.replace(/\|/g, '\\|')} | ${t.ms === undefined ? '—' : `${(t.ms / 1000).toFixed(1)} s`} |`);
  if (r.notes.length) console.log(`\n${r.notes.map((n) => `- ${n}`).join('\n')}`);
  console.log('');
}
process.exitCode = results.length > 0 && results.every((r) => r.passed) ? 0 : 1;
