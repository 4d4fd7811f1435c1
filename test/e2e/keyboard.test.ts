// A keyboard-only run through the whole wizard in Chromium, install included: every action is a key press;
// the test only reads which element has the focus to know how many times to press Tab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser } from './browser.ts';
import { readInstalled } from './disk-check.ts';
import { serve, type Served } from './serve.ts';
import { heading, tr } from './wizard.ts';

const isRoot = process.getuid?.() === 0;

/** The focused element's accessible name, roughly: its label(s), aria-label, or text. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    const input = el as HTMLInputElement;
    const byLabels = input.labels ? Array.from(input.labels).map((l) => l.textContent ?? '').join(' ') : '';
    const ids = el.getAttribute('aria-labelledby');
    const byIds = ids ? ids.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
    return `${byLabels} ${byIds} ${el.getAttribute('aria-label') ?? ''} ${el.closest('label')?.textContent ?? ''} ${el.tagName === 'BUTTON' ? el.textContent : ''}`;
  });
}

async function tabTo(page: Page, name: string | RegExp, opts: { back?: boolean } = {}): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    const n = await focusedName(page);
    seen.push(n.trim().replace(/\s+/g, ' '));
    if (typeof name === 'string' ? n.includes(name) : name.test(n)) return;
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${String(name)}; focus went through: ${[...new Set(seen)].join(' | ')}`);
}

describe.skipIf(!isRoot)('keyboard-only run through the wizard (needs root: demo medium and loop devices)', () => {
  let svc: Served;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  beforeAll(async () => {
    svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('installs with the keyboard alone', async () => {
    const page = browser.page;
    const k = page.keyboard;
    await page.goto(svc.url);
    // The first page: Install (a card-like button), then the language page.
    await heading(page, 'en', 'repair:start.title');
    await tabTo(page, tr('en', 'start.install', {}, 'repair'));
    await k.press('Enter');
    await heading(page, 'en', 'language.title');
    // Language: into the group, arrow down to 简体中文 and back up to English, then Next.
    await tabTo(page, 'English');
    await k.press('ArrowDown');
    await heading(page, 'zh-CN', 'language.title');
    await k.press('ArrowUp');
    await heading(page, 'en', 'language.title');
    await tabTo(page, tr('en', 'nav.next'));
    await k.press('Enter');

    await heading(page, 'en', 'variant.title');
    await tabTo(page, tr('en', 'nav.next'));
    await k.press('Enter');

    await heading(page, 'en', 'disk.title');
    const image = join(svc.demoDir, 'demo-disk-b.img');
    // Tab enters the group once (on its first disk); arrows move within it, as in any radio group.
    await tabTo(page, join(svc.demoDir, 'demo-disk-a.img'));
    await k.press('Space');
    for (let i = 0; i < 5 && !(await focusedName(page)).includes(image); i++) await k.press('ArrowDown');
    expect(await page.getByRole('radio', { name: new RegExp(image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) }).isChecked()).toBe(true);
    await tabTo(page, tr('en', 'nav.next'));
    await k.press('Enter');

    await heading(page, 'en', 'user.title');
    await tabTo(page, tr('en', 'user.fullname'));
    await k.type('Kay Board');
    await tabTo(page, tr('en', 'user.password'));
    await k.type('Keys-Only-2026');
    await tabTo(page, tr('en', 'user.confirm'));
    await k.type('Keys-Only-2026');
    await tabTo(page, tr('en', 'nav.next'));
    await k.press('Enter');

    await heading(page, 'en', 'region.title');
    await tabTo(page, tr('en', 'region.timezone'));
    await k.press('Control+a');
    await k.type('Shanghai');
    await page.getByRole('option', { name: 'Asia/Shanghai' }).waitFor();
    await k.press('ArrowDown');
    await k.press('Enter');
    await tabTo(page, tr('en', 'nav.next'));
    await k.press('Enter');

    await heading(page, 'en', 'summary.title');
    await page.getByTestId('erase').waitFor();
    // Cancel holds the focus; the confirmation is before it, Install after it.
    expect((await focusedName(page)).trim()).toBe(tr('en', 'summary.cancel'));
    await tabTo(page, /I understand/, { back: true });
    await k.press('Space');
    await tabTo(page, tr('en', 'summary.install'));
    await k.press('Enter');

    await heading(page, 'en', 'progress.title');
    await heading(page, 'en', 'done.title');
    await tabTo(page, tr('en', 'done.restart'));
    await k.press('Enter');
    // The prompt to remove the medium takes the focus on its Restart.
    await page.getByText(tr('en', 'done.removePrompt')).waitFor();
    expect((await focusedName(page)).trim()).toBe(tr('en', 'done.removedRestart'));
    await k.press('Enter');
    await page.getByText(tr('en', 'done.rebootUnavailable')).waitFor();

    const d = await readInstalled(image, 'kay', 'Keys-Only-2026');
    expect(d.hostname).toBe('kay-pc');
    expect(d.passwordVerifies).toBe(true);
  });
});
