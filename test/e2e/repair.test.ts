// The wizard's repair path in Debian's Chromium against `livekit serve --demo` (real service, real engine,
// and a real disk image on which the engine installed the tiny system at start): in Chinese, the password
// of the system's account is reset through the pages (systems, repairs, plan, progress, result), then the
// image is read back and the new password verifies against /etc/shadow. Screenshots at 1024×600 and
// 1366×768 in zh-CN and en go to test-artifacts/screenshots/repair-*.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { DEMO_INSTALLED } from '../../electron/engine/service/demo.ts';
import { passwordVerifies } from '../helpers/verify.ts';
import { openBrowser, shot } from './browser.ts';
import { serve, type Served } from './serve.ts';
import { choose, escapeRe, heading, tr } from './wizard.ts';

const isRoot = process.getuid?.() === 0;
const NEW_PASSWORD = '新密码-Reset-2026';

/** The shadow hash of `user` on the root partition of `device` (a loop device with partitions), read-only. */
async function shadowHashOn(loop: string, user: string): Promise<string> {
  const mnt = mkdtempSync(join(tmpdir(), 'lk-repair-check-'));
  try {
    await execa('mount', ['-o', 'ro,noload', `${loop}p2`, mnt]);
    try {
      const line = readFileSync(join(mnt, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`)) ?? '';
      return line.split(':')[1] ?? '';
    } finally {
      await execa('umount', [mnt]);
    }
  } finally {
    rmdirSync(mnt);
  }
}

async function sized(page: Page, name: string): Promise<void> {
  for (const [w, h] of [
    [1024, 600],
    [1366, 768],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await shot(page, `${name}-${w}x${h}`);
  }
  await page.setViewportSize({ width: 1100, height: 860 });
}

describe.skipIf(!isRoot)('repair path in the wizard (needs root: the demo installs a system into a loop-attached image)', () => {
  let svc: Served;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let loop = '';
  beforeAll(async () => {
    svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
    loop = /installed on (\/dev\/loop\d+)/.exec(svc.stderr())?.[1] ?? '';
    browser = await openBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('resets a password in Chinese: the plan shows its commands first, and the new password verifies on the disk', async () => {
    const L = 'zh-CN';
    const { page } = browser;
    expect(loop).toMatch(/^\/dev\/loop\d+$/);
    const before = await shadowHashOn(loop, DEMO_INSTALLED.user);
    expect(await passwordVerifies(DEMO_INSTALLED.password, before)).toBe(true);

    await page.goto(svc.url);
    await heading(page, 'en', 'repair:start.title');
    await sized(page, 'repair-en-01-start');
    // The header's language switch: Chinese from here on.
    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('option', { name: '简体中文' }).click();
    await heading(page, L, 'repair:start.title');
    await sized(page, `repair-${L}-01-start`);
    await page.getByRole('button', { name: new RegExp(`^${escapeRe(tr(L, 'start.repair', {}, 'repair'))}`) }).click();

    // The systems found: the demo's installed system, with its OS name and disk image.
    await heading(page, L, 'repair:systems.title');
    const system = page.getByRole('radio', { name: /LiveKit Tiny 1/ });
    await system.waitFor({ timeout: 60_000 });
    const card = page.locator('label').filter({ has: system });
    expect(await card.innerText()).toContain(DEMO_INSTALLED.name);
    expect(await card.innerText()).toContain(`${loop}p2`);
    await sized(page, `repair-${L}-02-systems`);
    await card.click();
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();

    // The repairs as cards; "Open a terminal" says (in the demo) what would run.
    await heading(page, L, 'repair:repairs.title', { name: 'LiveKit Tiny 1' });
    await page.getByRole('button', { name: tr(L, 'terminal.open', {}, 'repair') }).click();
    await expect(page.getByTestId('terminal-status').innerText()).resolves.toContain(`sudo livekit shell ${loop.slice(5)}p2`);
    await choose(page, new RegExp(escapeRe(tr(L, 'repairs.kind.password.title', {}, 'repair'))));
    await page.getByLabel(tr(L, 'repairs.password', {}, 'repair'), { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel(tr(L, 'repairs.confirm', {}, 'repair')).fill(NEW_PASSWORD);
    await sized(page, `repair-${L}-03-repairs`);
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();

    // The plan: its steps and exact commands, the password nowhere in it; Repair only after the confirmation.
    await heading(page, L, 'repair:plan.title', { repair: tr(L, 'repairs.kind.password.title', {}, 'repair'), name: 'LiveKit Tiny 1' });
    const commands = page.locator('pre.commands');
    await commands.first().waitFor();
    const text = (await commands.allInnerTexts()).join('\n');
    expect(text).toContain('chroot: chpasswd < (secret)');
    expect(text).toContain(`mount -t ext4 ${loop}p2`);
    expect(await page.locator('body').innerText()).not.toContain(NEW_PASSWORD);
    const run = page.getByRole('button', { name: tr(L, 'plan.run', {}, 'repair'), exact: true });
    expect(await run.isDisabled()).toBe(true);
    const box = page.getByRole('checkbox');
    await page.locator('label').filter({ has: box }).click();
    await sized(page, `repair-${L}-04-plan`);
    await run.click();

    // Progress, then the result page.
    await heading(page, L, 'repair:result.done');
    await expect(page.getByTestId('repair-done').innerText()).resolves.toBe(tr(L, 'result.password', { user: DEMO_INSTALLED.user, name: 'LiveKit Tiny 1' }, 'repair'));
    await sized(page, `repair-${L}-05-result`);
    // The English result page too (the header's switch works on any page).
    await page.getByRole('button', { name: /简体中文/ }).click();
    await page.getByRole('option', { name: 'English' }).click();
    await heading(page, 'en', 'repair:result.done');
    await sized(page, 'repair-en-05-result');

    // On the disk: the new password verifies, the old one no longer does; the service left nothing mounted
    // and never logged the password.
    const after = await shadowHashOn(loop, DEMO_INSTALLED.user);
    expect(after).not.toBe(before);
    expect(await passwordVerifies(NEW_PASSWORD, after)).toBe(true);
    expect(await passwordVerifies(DEMO_INSTALLED.password, after)).toBe(false);
    expect((await execa('findmnt', ['-rn', '-o', 'SOURCE'])).stdout.split('\n')).not.toContain(`${loop}p2`);
    expect(svc.stderr()).not.toContain(NEW_PASSWORD);
    const logs = (await execa('sh', ['-c', `cat "${svc.demoDir}"/logs/livekit-repair-*.log`])).stdout;
    expect(logs).toContain('"type":"done","ok":true');
    expect(logs).not.toContain(NEW_PASSWORD);

    // Back to the systems, in English now: screenshots of the list and the plan of another repair (fsck).
    await page.getByRole('button', { name: tr('en', 'result.again', {}, 'repair') }).click();
    await heading(page, 'en', 'repair:systems.title');
    await page.getByRole('radio', { name: /LiveKit Tiny 1/ }).waitFor({ timeout: 60_000 });
    await sized(page, 'repair-en-02-systems');
  }, 240_000);
});
