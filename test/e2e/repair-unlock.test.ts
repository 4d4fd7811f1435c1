// The wizard's repair path to a locked (LUKS) system in Debian's Chromium against `livekit serve --demo`
// (real service, real engine; the demo's encrypted image holds a copy of its installed system in LUKS2,
// electron/engine/service/demo-encrypted.ts): the locked card, Unlock with a masked passphrase field, a wrong
// passphrase refused in Chinese; then, where this kernel can open containers, the system inside listed
// unlocked, its password reset through the plan (which shows the unlock as a command, never the passphrase)
// and verified inside the container, nothing left open; where it cannot, Unlock says so. Screenshots go
// to test-artifacts/screenshots/repair-unlock-*.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENCRYPTED } from '../../electron/engine/service/demo-encrypted.ts';
import { DEMO_INSTALLED } from '../../electron/engine/service/demo.ts';
import { deviceMapperReady } from '../helpers/rescue-disk.ts';
import { passwordVerifies } from '../helpers/verify.ts';
import { openBrowser, shot } from './browser.ts';
import { serve, type Served } from './serve.ts';
import { choose, escapeRe, heading, tr } from './wizard.ts';

const isRoot = process.getuid?.() === 0;
const dm = isRoot && (await deviceMapperReady());
if (isRoot && !dm) console.warn('test/e2e/repair-unlock: this kernel has no device-mapper: the demo container stays empty, and only the way to Unlock and its refusals are checked here');
const NEW_PASSWORD = '加密-Reset-2026';

/** alice's… the demo user's shadow hash inside the container, opened read-only for the read. */
async function shadowHashInside(device: string, user: string): Promise<string> {
  const name = `lk-e2e-check-${process.pid}`;
  const mnt = mkdtempSync(join(tmpdir(), 'lk-e2e-unlock-'));
  await execa('cryptsetup', ['open', '--readonly', '--type', 'luks2', '--key-file=-', device, name], { input: DEMO_ENCRYPTED.passphrase });
  try {
    await execa('mount', ['-o', 'ro,noload', `/dev/mapper/${name}`, mnt]);
    try {
      const line = readFileSync(join(mnt, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`)) ?? '';
      return line.split(':')[1] ?? '';
    } finally {
      await execa('umount', [mnt]);
    }
  } finally {
    await execa('cryptsetup', ['close', name]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

describe.skipIf(!isRoot)('unlocking a locked system in the wizard (needs root: the demo makes loop-attached images and a LUKS2 container)', () => {
  let svc: Served;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let loop = '';
  const device = () => `${loop}p3`;
  beforeAll(async () => {
    svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
    loop = /demo encrypted system on (\/dev\/loop\d+)p3/.exec(svc.stderr())?.[1] ?? '';
    browser = await openBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('the locked system is a card with Unlock; a wrong passphrase is refused in Chinese, nothing opened', async () => {
    const L = 'zh-CN';
    const { page } = browser;
    expect(loop).toMatch(/^\/dev\/loop\d+$/);
    expect(svc.stderr()).toContain(dm ? 'the same system inside' : 'this kernel has no device-mapper');
    await page.goto(svc.url);
    await heading(page, 'en', 'repair:start.title');
    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('option', { name: '简体中文' }).click();
    await page.getByRole('button', { name: new RegExp(`^${escapeRe(tr(L, 'start.repair', {}, 'repair'))}`) }).click();
    await heading(page, L, 'repair:systems.title');
    const locked = tr(L, 'systems.locked', { device: device() }, 'repair');
    await page.getByRole('radio', { name: new RegExp(escapeRe(locked)) }).waitFor({ timeout: 60_000 });
    // Locked: nothing to repair until it is unlocked.
    await choose(page, new RegExp(escapeRe(locked)));
    expect(await page.getByRole('button', { name: tr(L, 'nav.next') }).isDisabled()).toBe(true);
    const field = page.getByLabel(tr(L, 'unlock.passphrase', {}, 'repair'));
    expect(await field.getAttribute('type')).toBe('password');
    await field.fill('not the passphrase');
    await shot(page, 'repair-unlock-zh-CN-01-locked');
    await page.getByRole('button', { name: tr(L, 'unlock.unlock', {}, 'repair'), exact: true }).click();
    await page.getByRole('alert').filter({ hasText: tr(L, 'error.wrong-passphrase', { device: device() }, 'repair') }).waitFor({ timeout: 60_000 });
    await shot(page, 'repair-unlock-zh-CN-02-wrong');
    expect(await page.getByRole('button', { name: tr(L, 'nav.next') }).isDisabled()).toBe(true);
    expect((await execa('dmsetup', ['ls'], { reject: false })).stdout).not.toMatch(/luks-|livekit-/);
  }, 180_000);

  it.skipIf(dm)('without device-mapper (this kernel), Unlock with the right passphrase says the disk cannot be opened here', async () => {
    const { page } = browser;
    const field = page.getByLabel(tr('zh-CN', 'unlock.passphrase', {}, 'repair'));
    await field.fill(DEMO_ENCRYPTED.passphrase);
    await page.getByRole('button', { name: tr('zh-CN', 'unlock.unlock', {}, 'repair'), exact: true }).click();
    const said = tr('zh-CN', 'error.luks-open-failed', { device: device(), reason: '' }, 'repair');
    await page.getByRole('alert').filter({ hasText: said }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('alert').innerText()).toMatch(/device-mapper/);
    await shot(page, 'repair-unlock-zh-CN-03-no-dm');
    expect(svc.stderr()).not.toContain(DEMO_ENCRYPTED.passphrase);
  }, 120_000);

  it.skipIf(!dm)('unlocked, the system inside is listed; its password is reset through the plan (the unlock shown as a command); it verifies inside; nothing open, no passphrase anywhere', async () => {
    const L = 'zh-CN';
    const { page } = browser;
    const before = await shadowHashInside(device(), DEMO_INSTALLED.user);
    expect(await passwordVerifies(DEMO_INSTALLED.password, before)).toBe(true);
    const field = page.getByLabel(tr(L, 'unlock.passphrase', {}, 'repair'));
    await field.fill(DEMO_ENCRYPTED.passphrase);
    await page.getByRole('button', { name: tr(L, 'unlock.unlock', {}, 'repair'), exact: true }).click();
    const system = page.getByRole('radio', { name: new RegExp(escapeRe(DEMO_ENCRYPTED.prettyName)) });
    await system.waitFor({ timeout: 120_000 });
    const card = page.locator('label').filter({ has: system });
    expect(await card.innerText()).toContain(tr(L, 'systems.unlocked', { device: device() }, 'repair'));
    expect(await card.innerText()).toContain(DEMO_ENCRYPTED.name);
    await shot(page, 'repair-unlock-zh-CN-03-unlocked');
    await choose(page, new RegExp(escapeRe(DEMO_ENCRYPTED.prettyName)));
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();

    await heading(page, L, 'repair:repairs.title', { name: DEMO_ENCRYPTED.prettyName });
    await choose(page, new RegExp(escapeRe(tr(L, 'repairs.kind.password.title', {}, 'repair'))));
    await page.getByLabel(tr(L, 'repairs.password', {}, 'repair'), { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel(tr(L, 'repairs.confirm', {}, 'repair')).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: tr(L, 'nav.next') }).click();

    await heading(page, L, 'repair:plan.title', { repair: tr(L, 'repairs.kind.password.title', {}, 'repair'), name: DEMO_ENCRYPTED.prettyName });
    const commands = page.locator('pre.commands');
    await commands.first().waitFor({ timeout: 120_000 });
    const text = (await commands.allInnerTexts()).join('\n');
    expect(text).toMatch(new RegExp(`cryptsetup open ${escapeRe(device())} luks-[0-9a-f-]+ < \\(passphrase\\)`));
    expect(text).toMatch(/mount -t ext4 \/dev\/mapper\/luks-/);
    expect(await page.locator('body').innerText()).toContain(tr(L, 'plan.passphrase', { device: device() }, 'repair'));
    for (const secret of [DEMO_ENCRYPTED.passphrase, NEW_PASSWORD]) expect(await page.locator('body').innerText()).not.toContain(secret);
    await page.locator('label').filter({ has: page.getByRole('checkbox') }).click();
    await shot(page, 'repair-unlock-zh-CN-04-plan');
    await page.getByRole('button', { name: tr(L, 'plan.run', {}, 'repair'), exact: true }).click();
    await heading(page, L, 'repair:result.done');
    await shot(page, 'repair-unlock-zh-CN-05-result');

    const after = await shadowHashInside(device(), DEMO_INSTALLED.user);
    expect(await passwordVerifies(NEW_PASSWORD, after)).toBe(true);
    expect((await execa('dmsetup', ['ls'], { reject: false })).stdout).not.toMatch(/luks-|livekit-/);
    expect((await execa('findmnt', ['-rn', '-o', 'SOURCE'])).stdout).not.toMatch(/\/dev\/mapper\/luks-/);
    const logs = (await execa('sh', ['-c', `cat "${svc.demoDir}"/logs/livekit-repair-*.log`])).stdout;
    expect(logs).toContain('"type":"done","ok":true');
    for (const secret of [DEMO_ENCRYPTED.passphrase, NEW_PASSWORD]) {
      expect(logs).not.toContain(secret);
      expect(svc.stderr()).not.toContain(secret);
    }
  }, 300_000);
});
