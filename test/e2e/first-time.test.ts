// The wizard as a first-time user meets it (issue 13), in English and in Chinese (LANG=zh_CN.UTF-8 and
// livekit.boot=desktop on the command line), against `livekit serve --demo`: every page at 1024×600 and
// 1366×768 with Next/Install in view (screenshots in test-artifacts/screenshots/), the disks with their
// systems, partition choices, the time zone filter, a CJK name, a too-short password, a reload resuming the
// wizard, Cancel during the install on the demo's slow disk (everything released), then a retry to Done and the installed keyboard.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, SCREENSHOTS } from './browser.ts';
import { readInstalled } from './disk-check.ts';
import { serve, type Served } from './serve.ts';
import { choose, escapeRe, heading, tr, startInstall } from './wizard.ts';

const isRoot = process.getuid?.() === 0;
const SIZES = [
  [1024, 600],
  [1366, 768],
] as const;

/** Screenshots of what a person sees at each size (the viewport, not the whole page), and the main button in view. */
async function fits(page: Page, lng: string, name: string, button: string | null): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(60);
    await page.screenshot({ path: join(SCREENSHOTS, `${lng}-${width}x${height}-${name}.png`) });
    if (button === null) continue;
    const box = await page.getByRole('button', { name: button, exact: true }).boundingBox();
    expect(box, `${name}: ${button} at ${width}×${height}`).not.toBeNull();
    expect(box!.y + box!.height, `${name}: ${button} below the fold at ${width}×${height}`).toBeLessThanOrEqual(height);
    expect(box!.y).toBeGreaterThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1024, height: 600 });
}

async function loopsOf(image: string): Promise<string> {
  return (await execa('losetup', ['-j', image])).stdout.trim();
}

for (const L of ['en', 'zh-CN'] as const) {
  const zh = L === 'zh-CN';
  describe.skipIf(!isRoot)(`first-time wizard in ${L} (needs root: demo medium and loop devices)`, () => {
    let svc: Served;
    let browser: Awaited<ReturnType<typeof openBrowser>>;
    let page: Page;
    let tmp: string;
    const image = (n: string) => join(svc.demoDir, n);
    const next = () => page.getByRole('button', { name: tr(L, 'nav.next'), exact: true }).click();

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'lk-e2e13-'));
      writeFileSync(join(tmp, 'cmdline'), `BOOT_IMAGE=/vmlinuz root=livekit:CDLABEL=LIVEKIT livekit.boot=desktop ${zh ? 'LANG=zh_CN.UTF-8 ' : ''}quiet\n`);
      svc = await serve(['--demo', '--cmdline-file', join(tmp, 'cmdline')]);
      browser = await openBrowser();
      page = browser.page;
      await page.setViewportSize({ width: 1024, height: 600 });
    });
    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('preselects the booted variant; the disk page names each disk, its partitions and the system found', async () => {
      await page.goto(svc.url);
      await startInstall(page, zh ? L : 'en');
      if (!zh) {
        await heading(page, 'en', 'language.title');
        await fits(page, L, '01-language', tr(L, 'nav.next'));
        await choose(page, 'English');
        await next();
      }
      await heading(page, L, 'variant.title');
      expect(await page.getByRole('radio', { name: new RegExp(tr(L, 'variant.size').split('{{')[0]!) }).count()).toBeGreaterThan(0);
      const desktop = page.locator('[data-variant=desktop] input');
      expect(await desktop.isChecked()).toBe(true);
      await fits(page, L, '02-variant', tr(L, 'nav.next'));
      await next();

      await heading(page, L, 'disk.title');
      const card = page.locator(`label[data-disk="${svc.partitionedDisk}"]`);
      const text = await card.innerText();
      expect(text).toContain(tr(L, 'disk.osFound', { os: 'Old Linux 1.0' }));
      expect(text).toContain('old-root');
      expect(text).toContain('ext4');
      expect(text).toMatch(/4 GiB/);
      expect(await page.locator(`label[data-disk="${image('demo-slow.img')}"]`).innerText()).toContain(tr(L, 'disk.transport.image'));
      // The refused disk keeps its reason, in binary units like the CLI.
      expect(await page.locator(`label[data-disk="${image('demo-tiny.img')}"] .refusals`).innerText()).toMatch(/MiB|GiB/);
      await choose(page, new RegExp(escapeRe(image('demo-slow.img'))));
      await fits(page, L, '03-disk', tr(L, 'nav.next'));

      // Partition mode: labels and content in the dropdown, as wide as its button; no BIOS boot or ESP as root.
      await choose(page, tr(L, 'disk.modePartitions'));
      const button = page.getByRole('button', { name: new RegExp(escapeRe(tr(L, 'disk.rootPartition'))) });
      await button.click();
      const listbox = page.getByRole('listbox');
      await listbox.waitFor();
      const [b, p] = [await button.boundingBox(), await page.locator('.popover.match-trigger').boundingBox()];
      expect(Math.abs(b!.width - p!.width)).toBeLessThanOrEqual(2);
      const options = await page.getByRole('option').allInnerTexts();
      const name = svc.partitionedDisk.slice(5);
      expect(options.join('\n')).toContain(`${name}p3 · old-root · ext4`);
      expect(options.join('\n')).toContain(tr(L, 'disk.osFound', { os: 'Old Linux 1.0' }));
      expect(options.some((o) => o.startsWith(`${name}p1 `) || o.startsWith(`${name}p2 `))).toBe(false);
      await fits(page, L, '03-disk-partitions-open', null);
      await page.keyboard.press('Escape');
      await choose(page, tr(L, 'disk.modeErase'));
      await choose(page, new RegExp(escapeRe(image('demo-slow.img'))));
      await next();
    });

    it('suggests a user name for a CJK name, refuses a 1-character password before and after Next, and a reload resumes', async () => {
      await heading(page, L, 'user.title');
      await page.getByLabel(tr(L, 'user.fullname')).fill('张三');
      expect(await page.getByLabel(tr(L, 'user.username')).inputValue()).toBe('user');
      expect(await page.getByTestId('username-hint').innerText()).toBe(tr(L, 'user.usernameSuggested'));
      await page.getByLabel(tr(L, 'user.password'), { exact: true }).fill('1');
      await page.getByLabel(tr(L, 'user.confirm')).fill('1');
      await page.getByText(tr(L, 'user.tooShort', { min: '4' })).waitFor();
      await next();
      await page.getByText(tr(L, 'user.password-short', { min: '4' }, 'validation')).waitFor();
      await heading(page, L, 'user.title');
      await page.getByLabel(tr(L, 'user.password'), { exact: true }).fill('Mima-2026-ok');
      await page.getByLabel(tr(L, 'user.confirm')).fill('Mima-2026-ok');
      // Fixed: the refusal goes once the field is edited.
      expect(await page.getByText(tr(L, 'user.password-short', { min: '4' }, 'validation')).count()).toBe(0);
      await page.getByLabel(tr(L, 'user.hostname')).fill('zhang-pc');
      await fits(page, L, '04-user', tr(L, 'nav.next'));
      // The service keeps the session: a reload (or a second window) is on the same page, in the same language.
      await page.waitForTimeout(600);
      await page.reload();
      await heading(page, L, 'user.title');
      expect(await page.getByLabel(tr(L, 'user.fullname')).inputValue()).toBe('张三');
      expect(await page.getByLabel(tr(L, 'user.password'), { exact: true }).inputValue()).toBe('Mima-2026-ok');
      const second = await browser.context.newPage();
      await second.goto(svc.url); // a second window opens the address the service printed
      await heading(second, L, 'user.title');
      expect(await second.getByLabel(tr(L, 'user.hostname')).inputValue()).toBe('zhang-pc');
      await second.close();
      await next();
    });

    it('filters time zones as typed (Latin and Chinese), defaults from the locale, and sets the keyboard', async () => {
      await heading(page, L, 'region.title');
      const zone = page.getByRole('combobox', { name: tr(L, 'region.timezone') });
      if (zh) expect(await zone.inputValue()).toBe('上海 · Asia/Shanghai');
      await zone.fill('Shangh');
      await page.getByRole('option', { name: /Asia\/Shanghai/ }).waitFor();
      expect(await page.getByRole('option').allInnerTexts()).toEqual([zh ? '上海 · Asia/Shanghai' : 'Asia/Shanghai']);
      await fits(page, L, '05-region-zone-filter', null);
      await zone.fill('上海');
      await page.getByRole('option', { name: /Asia\/Shanghai/ }).click();
      expect(await zone.inputValue()).toBe(zh ? '上海 · Asia/Shanghai' : 'Asia/Shanghai');
      // The layout from the locale (zh_CN → cn); English changes it to German.
      const layout = page.getByRole('button', { name: new RegExp(escapeRe(tr(L, 'region.layout'))) });
      expect(await layout.innerText()).toContain(zh ? '(cn)' : '(us)');
      if (!zh) {
        await layout.click();
        await page.getByRole('option', { name: /\(de\)$/ }).click();
        expect(await layout.innerText()).toContain('(de)');
      }
      await fits(page, L, '05-region', tr(L, 'nav.next'));
      await next();
    });

    it('the summary names the disk in red with its model, the zone apart from the clock; Install is in view', async () => {
      await heading(page, L, 'summary.title');
      await page.getByTestId('erase').waitFor();
      expect(await page.getByTestId('erase').innerText()).toContain('demo-slow.img');
      expect(await page.locator('[data-testid=erase] .warning').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(198, 40, 40)');
      expect(await page.getByTestId('summary-zone').innerText()).toBe(zh ? '上海 · Asia/Shanghai' : 'Asia/Shanghai');
      expect(await page.getByTestId('summary-rtc').innerText()).toBe(tr(L, 'region.rtcUtc'));
      expect(await page.getByTestId('summary-keyboard').innerText()).toBe(tr(L, zh ? 'region.layouts.cn' : 'region.layouts.de'));
      const box = page.getByRole('checkbox');
      await page.locator('label').filter({ has: box }).click();
      await fits(page, L, '06-summary', tr(L, 'summary.install'));
    });

    it('cancels during the install after a confirmation, ends on the Failed page with everything released; a retry finishes', async () => {
      await page.getByRole('button', { name: tr(L, 'summary.install'), exact: true }).click();
      await heading(page, L, 'progress.title');
      await page.getByRole('button', { name: tr(L, 'progress.cancel') }).click();
      await page.getByText(tr(L, 'progress.cancelQuestion')).waitFor();
      await fits(page, L, '07-progress-cancel', tr(L, 'progress.keepGoing'));
      await page.getByRole('button', { name: tr(L, 'progress.cancelConfirm') }).click();
      await heading(page, L, 'failed.cancelledTitle');
      expect(await page.getByTestId('failed-error').innerText()).toBe(tr(L, 'failed.cancelledBody'));
      await fits(page, L, '08-cancelled', tr(L, 'failed.retry'));
      expect(await loopsOf(image('demo-slow.img'))).toBe('');
      expect((await execa('findmnt', ['-rn', '-o', 'TARGET'])).stdout).not.toMatch(/livekit-target|\/target\b/);

      await page.getByRole('button', { name: tr(L, 'failed.retry') }).click();
      await heading(page, L, 'done.title');
      await page.getByTestId('remove-medium').waitFor();
      await fits(page, L, '09-done', tr(L, 'done.restart'));
      await page.getByRole('button', { name: tr(L, 'done.restart') }).click();
      await page.getByText(tr(L, 'done.removePrompt')).waitFor();
      await fits(page, L, '09-done-remove-medium', tr(L, 'done.removedRestart'));
      const d = await readInstalled(image('demo-slow.img'), 'user', 'Mima-2026-ok');
      expect(d.passwd).toMatch(/^user:x:\d+:\d+:张三:/m);
      expect(d.timezone).toBe('Asia/Shanghai');
      expect(d.keyboard).toContain(`XKBLAYOUT="${zh ? 'cn' : 'de'}"`);
      expect(d.xorgKeyboard).toContain(`Option "XkbLayout" "${zh ? 'cn' : 'de'}"`);
    });
  });
}
