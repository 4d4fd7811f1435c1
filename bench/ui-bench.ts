// bench/ui: (1) time from opening the URL to an interactive first page, with 16 disks and 8 sysroots (a
// recorded facts fixture served by the real service over the real WebSocket), in Debian's Chromium, cold
// profile each run; (2) the renderer bundle's gzip size. Writes bench/RESULTS-ui.md.
// Run: npx tsx bench/ui-bench.ts [runs]   (builds the renderer first)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startService } from '../electron/engine/service/server.ts';
import type { EnginePort } from '../electron/engine/service/port.ts';
import type { UiFacts } from '../electron/shared/service.ts';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'renderer', 'dist');
const runs = Number(process.argv[2] ?? 15);
const facts = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'ui-facts-16x8.json'), 'utf8')) as UiFacts;

const replay: EnginePort = {
  facts: async () => facts,
  validate: async () => [],
  plan: async () => ({ ok: false, problems: [], refusals: [] }),
  replan: async () => ({ ok: false, problems: [], refusals: [] }),
  confirm: async () => ({ secrets: [] }),
  install: async () => ({ ok: false, cancelled: false }),
};

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

execFileSync('npx', ['vite', 'build', '--config', join(ROOT, 'renderer/vite.config.ts'), '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' });
const assets = readdirSync(join(DIST, 'assets')).map((f) => {
  const buf = readFileSync(join(DIST, 'assets', f));
  return { f, raw: statSync(join(DIST, 'assets', f)).size, gz: gzipSync(buf, { level: 9 }).length };
});
const index = readFileSync(join(DIST, 'index.html'));
const gzTotal = assets.reduce((a, x) => a + x.gz, 0) + gzipSync(index, { level: 9 }).length;
const rawTotal = assets.reduce((a, x) => a + x.raw, 0) + index.length;

const svc = await startService({ engine: replay, rendererDir: DIST });
const firstPage: number[] = [];
const inPage: number[] = [];
const load = loadavg()[0]!;
const diskPage: number[] = [];
for (let i = 0; i < runs; i++) {
  const profile = mkdtempSync(join(tmpdir(), 'lk-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const t0 = performance.now();
  await page.goto(svc.url);
  // Interactive: the heading is shown and the language choice answers a click (facts loaded over the WebSocket).
  await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
  await page.locator('label').filter({ has: page.getByRole('radio', { name: '简体中文' }) }).click();
  await page.getByRole('heading', { level: 1, name: '欢迎' }).waitFor();
  firstPage.push(performance.now() - t0);
  // The same moment seen from the page: ms since its navigation started (the token redirect included).
  inPage.push(await page.evaluate(() => performance.now()));
  // The heaviest page: 16 disk cards with refusals.
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '下一步' }).click();
  const t1 = performance.now();
  await page.locator('[data-disk]').nth(15).waitFor();
  diskPage.push(performance.now() - t1);
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
await svc.close();

const ms = (x: number) => `${Math.round(x)} ms`;
const kb = (x: number) => `${(x / 1024).toFixed(1)} KiB`;
const md = `# UI benchmark (bench/ui-bench.ts)

Measured ${new Date().toISOString().slice(0, 10)} on the project machine (Debian 12, 2 shared cores, Debian Chromium headless, cold
profile per run, ${runs} runs; 1-minute load average at the start: ${load.toFixed(1)} on 2 cores, shared with
the other engineers' builds and QEMU runs, so these are upper bounds). The real engine service and WebSocket serve a recorded facts fixture with 16 disks
(partitions, two refused) and 8 sysroots (\`bench/fixtures/ui-facts-16x8.json\`).

| Measure | Median | p90 | Target |
| --- | --- | --- | --- |
| Open URL → interactive first page (heading shown, language switch answered), wall clock from \`page.goto\` | ${ms(quantile(firstPage, 0.5))} | ${ms(quantile(firstPage, 0.9))} | < 1 s |
| The same, measured inside the page (navigation start → interactive) | ${ms(quantile(inPage, 0.5))} | ${ms(quantile(inPage, 0.9))} | < 1 s |
| Variant → Disk page with 16 disk cards rendered | ${ms(quantile(diskPage, 0.5))} | ${ms(quantile(diskPage, 0.9))} | — |

| Renderer bundle | Size |
| --- | --- |
${assets.map((a) => `| \`${a.f}\` | ${kb(a.raw)} raw, **${kb(a.gz)} gzip** |`).join('\n')}
| Total (with index.html) | ${kb(rawTotal)} raw, **${kb(gzTotal)} gzip** (target < 300 KiB; fonts are system fonts, none bundled) |

Raw first-page times (ms): ${firstPage.map((x) => Math.round(x)).join(', ')}
`;
writeFileSync(join(import.meta.dirname, 'RESULTS-ui.md'), md);
process.stdout.write(md);
