// The wizard's other paths in Chromium against `livekit serve --demo`: LANG= from a command line file
// skips the language page, a refused disk cannot be chosen, the engine's validation messages show
// translated, and a target that fails mid-install leads to the Failed page, from which a retry succeeds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, shot } from './browser.ts';
import { readInstalled } from './disk-check.ts';
import { serve, type Served } from './serve.ts';
import { choose, escapeRe, heading, startInstall, tr, userToSummary } from './wizard.ts';

const isRoot = process.getuid?.() === 0;
const L = 'zh-CN';

describe.skipIf(!isRoot)('installer UI paths, LANG=zh_CN.UTF-8 on the command line (needs root: demo medium and loop devices)', () => {
  let svc: Served;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  let tmp: string;
  const image = (n: string) => join(svc.demoDir, n);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lk-e2e-'));
    writeFileSync(join(tmp, 'cmdline'), 'BOOT_IMAGE=/vmlinuz root=livekit:CDLABEL=LIVEKIT livekit.boot=livekit LANG=zh_CN.UTF-8 quiet\n');
    svc = await serve(['--demo', '--cmdline-file', join(tmp, 'cmdline')]);
    browser = await openBrowser();
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('skips the language page and starts in Chinese', async () => {
    await page.goto(svc.url);
    await startInstall(page, L);
    await heading(page, L, 'variant.title');
    // The service says so on its console (the release test reads this line over the serial port).
    expect(svc.stderr()).toContain("livekit serve: a client asked for the machine's facts (language zh-CN)");
    expect(await page.getByRole('heading', { name: tr('en', 'language.title') }).count()).toBe(0);
    // No Back to a language page that was skipped.
    expect(await page.getByRole('button', { name: tr(L, 'nav.back') }).count()).toBe(0);
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();
    await heading(page, L, 'disk.title');
  });

  it('shows a refused disk greyed out with its translated reason, and it cannot be chosen', async () => {
    const tiny = page.getByRole('radio', { name: new RegExp(escapeRe(image('demo-tiny.img'))) });
    expect(await tiny.isDisabled()).toBe(true);
    const card = page.locator('label').filter({ has: tiny });
    expect(await card.getAttribute('data-disabled')).toBe('true');
    const reason = tr(L, 'refusal.too-small', {}, 'plan').split('{{')[0]!;
    expect(await card.innerText()).toContain(reason);
    await card.click({ force: true });
    expect(await tiny.isChecked()).toBe(false);
    expect(await page.getByRole('button', { name: tr(L, 'nav.next') }).isDisabled()).toBe(true);
    await shot(page, 'zh-CN-03-disk-refused');
  });

  it('shows the engine validation messages, translated', async () => {
    await choose(page, new RegExp(escapeRe(image('demo-flaky.img'))));
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();
    await heading(page, L, 'user.title');
    await page.getByLabel(tr(L, 'user.fullname')).fill('Bad Name');
    await page.getByLabel(tr(L, 'user.username')).fill('Bad Name');
    await page.getByLabel(tr(L, 'user.hostname')).fill('-bad-');
    await page.getByLabel(tr(L, 'user.password'), { exact: true }).fill('abc');
    await page.getByLabel(tr(L, 'user.confirm')).fill('abd');
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();
    await page.getByText(tr(L, 'user.name-format', { name: 'Bad Name' }, 'validation')).waitFor();
    await page.getByText(tr(L, 'hostname.label-hyphen', { label: '-bad-' }, 'validation')).waitFor();
    await page.getByText(tr(L, 'user.mismatch')).waitFor();
    await shot(page, 'zh-CN-04-user-validation');
    await heading(page, L, 'user.title');
  });

  it('fails on a target that fails mid-install, shows the step and the error, saves the log, and a retry succeeds', async () => {
    await page.getByLabel(tr(L, 'user.username')).fill('wang');
    await page.getByLabel(tr(L, 'user.hostname')).fill('wang-pc');
    await page.getByLabel(tr(L, 'user.password'), { exact: true }).fill('Mima-2026-ok');
    await page.getByLabel(tr(L, 'user.confirm')).fill('Mima-2026-ok');
    await userToSummary(page, L);
    const box = page.getByRole('checkbox');
    await page.locator('label').filter({ has: box }).click();
    await page.getByRole('button', { name: tr(L, 'summary.install'), exact: true }).click();

    await heading(page, L, 'failed.title');
    await shot(page, 'zh-CN-08-failed');
    // The same page in English, through the header's live language switch, and back.
    await page.getByRole('button', { name: /简体中文/ }).click();
    await page.getByRole('option', { name: 'English' }).click();
    await heading(page, 'en', 'failed.title');
    await shot(page, 'en-08-failed');
    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('option', { name: '简体中文' }).click();
    await heading(page, L, 'failed.title');
    expect(await page.getByTestId('failed-step').innerText()).toContain(tr(L, 'stepPlan.copy', {}, 'plan'));
    expect(await page.getByTestId('failed-error').innerText()).toBe(tr(L, 'failed.errors.demo-write-error'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: tr(L, 'failed.saveLog') }).click()]);
    const saved = readFileSync((await download.path())!, 'utf8');
    expect(saved).toContain('rsync');
    expect(saved).not.toContain('Mima-2026-ok');

    await page.getByRole('button', { name: tr(L, 'failed.retry') }).click();
    await heading(page, L, 'done.title');
    const d = await readInstalled(image('demo-flaky.img'), 'wang', 'Mima-2026-ok');
    expect(d.hostname).toBe('wang-pc');
    expect(d.localeConf).toContain('LANG=zh_CN.UTF-8');
    expect(d.passwordVerifies).toBe(true);
  });
});
