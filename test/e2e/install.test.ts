// The graphical installer in Debian's Chromium against `livekit serve --demo` (real service, real engine,
// real fixture medium, real loop-attached disk images): full installs in English and Chinese checked on
// the disk, a reload mid-install, and the token. One service per install: a finished install stays
// finished (the Done page) until the machine restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { answersSchema } from '../../electron/shared/answers.ts';
import { DEMO_PARTITIONED } from '../../electron/engine/service/demo.ts';
import type { Page } from 'playwright-core';
import { openBrowser, shot } from './browser.ts';
import { readInstalled } from './disk-check.ts';
import { serve, type Served } from './serve.ts';
import { execa } from 'execa';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { choose, confirmAndInstall, escapeRe, fillToSummary, heading, startInstall, tr, userToSummary } from './wizard.ts';

const isRoot = process.getuid?.() === 0;

function session(args: string[]) {
  const s = {} as { svc: Served; browser: Awaited<ReturnType<typeof openBrowser>>; page: Page; image: (n: string) => string };
  beforeAll(async () => {
    s.svc = await serve(args);
    s.browser = await openBrowser();
    s.page = s.browser.page;
    s.image = (n) => join(s.svc.demoDir, n);
  });
  afterAll(async () => {
    await s.browser?.close();
    await s.svc?.stop();
  });
  return s;
}

describe.skipIf(!isRoot)('installer UI, English (needs root: the demo mounts its medium and installs through loop devices)', () => {
  const s = session(['--demo', '--cmdline-file', '/dev/null']);

  it('refuses a wrong token; the token never becomes a cookie another local port would receive', async () => {
    expect((await s.page.goto(s.svc.origin + '/?token=wrong'))!.status()).toBe(401);
    expect(await s.page.evaluate(() => document.body.innerText)).toContain('401');
    // A local unprivileged listener on another port, where a navigation could be sent.
    const seen: string[] = [];
    const spy = createServer((req, res) => {
      seen.push(`${req.headers.cookie ?? ''} ${req.url ?? ''}`);
      res.end('spy');
    });
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', () => r()));
    try {
      await s.page.goto(s.svc.url);
      await s.page.getByRole('heading').first().waitFor();
      expect(new URL(s.page.url()).search).toBe('');
      expect(await s.browser.context.cookies()).toEqual([]);
      await s.page.goto(`http://127.0.0.1:${(spy.address() as AddressInfo).port}/collect`);
      // The page and Chromium's own favicon request: neither carries a cookie or the token.
      expect(seen.map((x) => x.trim())).toContain('/collect');
      for (const x of seen) expect(x.trim().startsWith('/'), x).toBe(true);
      expect(seen.join('\n')).not.toContain(s.svc.token);
    } finally {
      spy.close();
    }
  });

  it('installs the demo variant, keeps showing progress across a reload, and the disk holds the result', async () => {
    const { page } = s;
    await page.goto(s.svc.url);
    expect(new URL(page.url()).search).toBe('');
    await fillToSummary(page, { lng: 'en', image: s.image('demo-disk-a.img'), user: { fullname: 'Alice Liddell', password: 'Wonder-land-42' }, shots: 'en' });
    await expect(page.getByTestId('erase').innerText()).resolves.toContain('demo-disk-a.img');
    // Cancel holds the focus on the summary.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(tr('en', 'summary.cancel'));
    // "Export answers" saves an answer file of the CLI's schema, the password only as its SHA-512 crypt hash,
    // which `livekit validate` accepts as it is (exit 0), on this very medium.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: tr('en', 'header.export') }).click()]);
    const file = (await download.path())!;
    const exported = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(answersSchema.safeParse(exported).success).toBe(true);
    expect(exported).toMatchObject({ variant: expect.any(String), hostname: 'alice-pc', target: { disk: s.image('demo-disk-a.img') }, user: { name: 'alice', 'password-hash': expect.stringMatching(/^\$6\$/) } });
    expect(JSON.stringify(exported)).not.toContain('Wonder-land-42');
    await page.getByText(tr('en', 'header.exported')).waitFor();
    const medium = ['--medium', join(s.svc.demoDir, 'medium'), '--sysroots', join(s.svc.demoDir, 'run', 'sysroots'), '--cmdline-file', '/dev/null'];
    const validated = await execa(join(import.meta.dirname, '..', '..', 'bin', 'livekit'), ['validate', '--config', file, ...medium], { reject: false });
    expect(validated.exitCode, validated.stderr).toBe(0);
    await confirmAndInstall(page, 'en', 'en');
    await shot(page, 'en-06-progress');
    // A reload mid-install lands on the progress page again with the steps' states.
    await page.reload();
    await heading(page, 'en', 'progress.title');
    await page.locator('li.step.done, li.step.running').first().waitFor();
    await heading(page, 'en', 'done.title');
    await shot(page, 'en-07-done');
    // Done says to remove the medium, names the log on the installed system, and asks again before restarting.
    await page.getByTestId('remove-medium').waitFor();
    await page.getByText(tr('en', 'done.logAt', { path: '/var/log/livekit-installer.log' })).waitFor();
    await page.getByRole('button', { name: tr('en', 'done.restart') }).click();
    await page.getByText(tr('en', 'done.removePrompt')).waitFor();
    await shot(page, 'en-07-done-remove-medium');
    await page.getByRole('button', { name: tr('en', 'done.removedRestart') }).click();
    await page.getByText(tr('en', 'done.rebootUnavailable')).waitFor();
    const d = await readInstalled(s.image('demo-disk-a.img'), 'alice', 'Wonder-land-42');
    expect(d.hostname).toBe('alice-pc');
    expect(d.passwd).toMatch(/^alice:x:\d+:\d+:Alice Liddell:\/home\/alice:/m);
    expect(d.localeConf).toContain('LANG=en_US.UTF-8');
    expect(d.passwordVerifies).toBe(true);
    expect(d.fstab).toMatch(/^UUID=\S+\s+\/\s/m);
  });
});

describe.skipIf(!isRoot)('installer UI, Chinese chosen on the language page (needs root)', () => {
  const s = session(['--demo', '--cmdline-file', '/dev/null']);

  it('installs in Chinese, with every page translated, and the disk holds the result', async () => {
    const { page } = s;
    await page.goto(s.svc.url);
    await fillToSummary(page, { lng: 'zh-CN', image: s.image('demo-disk-b.img'), user: { fullname: 'Zhang San', name: 'zhangsan', password: 'Mima-2026-ok' }, shots: 'zh-CN' });
    expect(await page.getByTestId('erase').innerText()).toContain('demo-disk-b.img');
    await confirmAndInstall(page, 'zh-CN', 'zh-CN');
    await shot(page, 'zh-CN-06-progress');
    await heading(page, 'zh-CN', 'done.title');
    await shot(page, 'zh-CN-07-done');
    // The header switches the language live, on any page.
    await page.getByRole('button', { name: /简体中文/ }).click();
    await page.getByRole('option', { name: '繁體中文' }).click();
    await heading(page, 'zh-TW', 'done.title');
    await shot(page, 'zh-TW-07-done');
    const d = await readInstalled(s.image('demo-disk-b.img'), 'zhangsan', 'Mima-2026-ok');
    expect(d.hostname).toBe('zhangsan-pc');
    expect(d.localeConf).toContain('LANG=zh_CN.UTF-8');
    expect(d.passwordVerifies).toBe(true);
  });
});

describe.skipIf(!isRoot)('installer UI, into existing partitions (needs root)', () => {
  const s = session(['--demo', '--cmdline-file', '/dev/null']);

  it('formats the chosen root partition only: the table, the ESP and the other partitions stay as they were', async () => {
    const { page } = s;
    const disk = s.svc.partitionedDisk;
    expect(disk).toMatch(/^\/dev\/loop\d+$/);
    const root = `${disk}p3`;
    const dump = async () => (await execa('sfdisk', ['--dump', disk])).stdout;
    const esp = async () => (await execa('sha256sum', [`${disk}p2`])).stdout.split(' ')[0];
    const [tableBefore, espBefore] = [await dump(), await esp()];

    await page.goto(s.svc.url);
    await startInstall(page, 'en');
    await heading(page, 'en', 'language.title');
    await choose(page, 'English');
    await page.getByRole('button', { name: tr('en', 'nav.next') }).click();
    await heading(page, 'en', 'variant.title');
    await page.getByRole('button', { name: tr('en', 'nav.next') }).click();
    await heading(page, 'en', 'disk.title');
    await choose(page, tr('en', 'disk.modePartitions'));
    // The root partition from the partition list (React Aria's Select: a button, then an option).
    await page.getByRole('button', { name: new RegExp(escapeRe(tr('en', 'disk.rootPartition'))) }).click();
    // Only partitions that can hold a root file system are offered: not the BIOS boot partition nor the ESP.
    const options = await page.getByRole('option').allInnerTexts();
    expect(options.some((o) => o.startsWith(`${root.slice(5)} · old-root · ext4`))).toBe(true);
    expect(options.some((o) => o.startsWith(`${disk.slice(5)}p1 `) || o.startsWith(`${disk.slice(5)}p2 `))).toBe(false);
    await page.getByRole('option', { name: new RegExp(`^${escapeRe(root.slice(5))} · old-root`) }).click();
    await shot(page, 'en-03-disk-partitions');
    await page.getByRole('button', { name: tr('en', 'nav.next') }).click();
    await heading(page, 'en', 'user.title');
    await page.getByLabel(tr('en', 'user.fullname')).fill('Bob Parts');
    await page.getByLabel(tr('en', 'user.password'), { exact: true }).fill('Parts-Only-2026');
    await page.getByLabel(tr('en', 'user.confirm')).fill('Parts-Only-2026');
    await userToSummary(page, 'en');
    // Nothing is erased: the summary names the partition to be formatted instead.
    expect(await page.getByTestId('erase').count()).toBe(0);
    const box = page.getByRole('checkbox');
    await expect(page.locator('label').filter({ has: box }).innerText()).resolves.toContain(tr('en', 'summary.understandFormat', { part: root }));
    await confirmAndInstall(page, 'en', 'en-partitions');
    await heading(page, 'en', 'done.title');
    await shot(page, 'en-07-done-partitions');

    expect(await dump()).toBe(tableBefore);
    expect(await esp()).toBe(espBefore);
    const probe = (await execa('blkid', ['-p', '-o', 'export', root])).stdout;
    expect(probe).toMatch(/^TYPE=ext4$/m);
    expect(probe).not.toMatch(/LABEL=old-root/);
    const d = await readInstalled(join(s.svc.demoDir, DEMO_PARTITIONED.name), 'bob', 'Parts-Only-2026');
    expect(d.hostname).toBe('bob-pc');
    expect(d.passwordVerifies).toBe(true);
    expect(d.fstab).toMatch(/^UUID=\S+\s+\/\s/m);
    const uuid = (await execa('blkid', ['-p', '-s', 'UUID', '-o', 'value', root])).stdout.trim();
    expect(d.fstab).toContain(`UUID=${uuid}`);
  });
});
