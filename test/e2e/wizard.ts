// Drives the wizard in Chromium the way a person does (roles and accessible names, no test ids for actions).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './serve.ts';
import { shot } from './browser.ts';

type Strings = Record<string, unknown>;
const cache = new Map<string, Strings>();

/** A string from locales/<lng>/<ns>.json, so tests follow the translations instead of repeating them. */
export function tr(lng: string, key: string, vars: Record<string, string> = {}, ns = 'app'): string {
  const file = join(ROOT, 'locales', lng, `${ns}.json`);
  if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(file, 'utf8')) as Strings);
  let v: unknown = cache.get(file);
  for (const k of key.split('.')) v = (v as Strings | undefined)?.[k];
  if (typeof v !== 'string') throw new Error(`no ${lng}/${ns}:${key}`);
  return v.replace(/\{\{(\w+)\}\}/g, (_, n: string) => vars[n] ?? `{{${n}}}`);
}

/** Picks a radio as a person does: by clicking its visible card or row (the input itself is visually hidden). */
export async function choose(page: Page, name: string | RegExp): Promise<void> {
  const radio = page.getByRole('radio', { name, exact: typeof name === 'string' ? true : undefined });
  await page.locator('label').filter({ has: radio }).click();
  if (!(await radio.isChecked())) throw new Error(`radio ${String(name)} did not get checked`);
}

export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export async function heading(page: Page, lng: string, key: string, vars: Record<string, string> = {}): Promise<void> {
  const [ns, k] = key.includes(':') ? (key.split(':') as [string, string]) : ['app', key];
  await page.getByRole('heading', { level: 1, name: tr(lng, k, vars, ns) }).waitFor({ timeout: 30_000 });
}

export interface RunOptions {
  lng: string;
  image: string;
  user: { fullname: string; name?: string; password: string };
  /** Screenshot name prefix, or undefined for none. */
  shots?: string;
  /** Chooses the language on the language page (else the page is expected to be skipped). */
  chooseLanguage?: boolean;
  /** More to do on the disk page once the disk is chosen (encryption), before its screenshot and Next. */
  onDisk?: (page: Page) => Promise<void>;
}

/** The first page: "Install" (the other way is "Repair an installed system"). */
export async function startInstall(page: Page, lng: string): Promise<void> {
  await heading(page, lng, 'repair:start.title');
  await page.getByRole('button', { name: new RegExp(`^${escapeRe(tr(lng, 'start.install', {}, 'repair'))}`) }).click();
}

export async function fillToSummary(page: Page, o: RunOptions): Promise<void> {
  const { lng } = o;
  await startInstall(page, o.chooseLanguage !== false ? 'en' : lng);
  if (o.chooseLanguage !== false) {
    await heading(page, 'en', 'language.title');
    if (o.shots) await shot(page, `${o.shots}-01-language-before`);
    const native = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' }[lng]!;
    await choose(page, native);
    await heading(page, lng, 'language.title');
    if (o.shots) await shot(page, `${o.shots}-01-language`);
    await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();
  }
  await heading(page, lng, 'variant.title');
  if (o.shots) await shot(page, `${o.shots}-02-variant`);
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();

  await heading(page, lng, 'disk.title');
  await choose(page, new RegExp(escapeRe(o.image)));
  if (o.onDisk) await o.onDisk(page);
  if (o.shots) await shot(page, `${o.shots}-03-disk`);
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();

  await heading(page, lng, 'user.title');
  await page.getByLabel(tr(lng, 'user.fullname')).fill(o.user.fullname);
  if (o.user.name) await page.getByLabel(tr(lng, 'user.username')).fill(o.user.name);
  await page.getByLabel(tr(lng, 'user.password'), { exact: true }).fill(o.user.password);
  await page.getByLabel(tr(lng, 'user.confirm')).fill(o.user.password);
  if (o.shots) await shot(page, `${o.shots}-04-user`);
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();
  await heading(page, lng, 'region.title');
  if (o.shots) await shot(page, `${o.shots}-05-region`);
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();
  await heading(page, lng, 'summary.title');
  await page.locator('[data-testid=erase]').waitFor();
}

export async function confirmAndInstall(page: Page, lng: string, shots?: string): Promise<void> {
  const box = page.getByRole('checkbox');
  await page.locator('label').filter({ has: box }).click();
  if (!(await box.isChecked())) throw new Error('the confirmation did not get checked');
  if (shots) await shot(page, `${shots}-06-summary`);
  await page.getByRole('button', { name: tr(lng, 'summary.install'), exact: true }).click();
  await heading(page, lng, 'progress.title');
}

/** From the account page through the Time and keyboard page (defaults kept) to the summary. */
export async function userToSummary(page: Page, lng: string): Promise<void> {
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();
  await heading(page, lng, 'region.title');
  await page.getByRole('button', { name: tr(lng, 'nav.next') }).click();
  await heading(page, lng, 'summary.title');
}
