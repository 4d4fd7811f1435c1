// @vitest-environment jsdom
// The wizard's components in jsdom with the real store, translations and react-aria widgets; the engine is
// replaced by a small in-memory Api (this tests the UI's logic, the real engine is exercised by test/e2e).
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App, type Api } from '../../renderer/App.tsx';
import { initI18n } from '../../renderer/i18n.ts';
import { useStore, wizardFields } from '../../renderer/store/index.ts';
import { buildAnswers } from '../../renderer/store/derive.ts';
import type { ServiceMessage, UiFacts, UiProblem, SysrootInfo, Plan, WizardSession } from '../../electron/api.ts';
import enApp from '../../locales/en/app.json' with { type: 'json' };
import zhApp from '../../locales/zh-CN/app.json' with { type: 'json' };
import twApp from '../../locales/zh-TW/app.json' with { type: 'json' };
import zhPlan from '../../locales/zh-CN/plan.json' with { type: 'json' };
import zhValidation from '../../locales/zh-CN/validation.json' with { type: 'json' };
import enValidation from '../../locales/en/validation.json' with { type: 'json' };
import enPlan from '../../locales/en/plan.json' with { type: 'json' };

const initial = useStore.getState();
afterEach(() => {
  cleanup();
  useStore.setState(initial, true);
});

const sysroot = (name: string, recommended = false, tools: Partial<SysrootInfo['tools']> = {}): SysrootInfo => ({
  name, path: `/sysroots/${name}`, title: `Title ${name}`, description: `About ${name}`, sizeBytes: 4e9, inodes: 1, measured: false,
  installable: true, hints: {}, layers: [], osRelease: {}, recommended,
  tools: { grubPlatforms: [], kernels: [], useradd: true, chpasswd: true, adminGroups: [], existingUsers: [], cryptsetup: true, ...tools },
});

function facts(over: Partial<UiFacts> = {}): UiFacts {
  return {
    firmware: 'uefi', arch: 'x64', ramBytes: 8e9, gpuVendors: ['nvidia'], cmdline: '', cmdlineLocale: null, demo: false,
    sysroots: [sysroot('desktop'), sysroot('desktop-nvidia', true)],
    disks: [
      { disk: { path: '/dev/sda', name: 'sda', sizeBytes: 500e9, model: 'Good Disk', type: 'disk', readOnly: false, removable: false, mountpoints: [], partitions: [] }, refusals: [] },
      { disk: { path: '/dev/sdb', name: 'sdb', sizeBytes: 8e9, model: 'Live Stick', type: 'disk', readOnly: false, removable: true, mountpoints: [], partitions: [] }, refusals: [{ code: 'live-medium', params: { device: '/dev/sdb1' } }] },
    ],
    ...over,
  };
}

function fakeApi(f: UiFacts, problems: (a: Record<string, unknown>) => UiProblem[] = () => []) {
  const listeners = new Set<(m: ServiceMessage) => void>();
  const calls: { validate: Record<string, unknown>[]; install: string[]; cancel: number; saved: WizardSession[]; exported: Record<string, unknown>[] } = { validate: [], install: [], cancel: 0, saved: [], exported: [] };
  let kept: WizardSession | null = null;
  const api: Api = {
    facts: async () => f,
    validate: async (a) => (calls.validate.push(a), problems(a)),
    plan: async () => ({ ok: true, plan: { erase: { path: '/dev/sda', model: 'Good Disk', sizeBytes: 500e9, image: false }, partitions: [], effects: [{ kind: 'new-table', disk: '/dev/sda', table: 'gpt', sizeBytes: 500e9, model: 'Good Disk' }], steps: [], locale: 'en_US.UTF-8', variant: { name: 'desktop' }, answers: { user: { name: 'a' }, hostname: 'h', timezone: 'UTC', rtc: 'utc' } } as unknown as Plan, planId: 'plan-1' }),
    install: async (planId) => (calls.install.push(planId), { started: true }),
    retry: async () => ({ started: true }),
    cancel: async () => (calls.cancel++, { cancelled: true }),
    reboot: async () => ({ rebooting: false }),
    session: async () => ({ session: kept, revision: 0 }),
    saveSession: async (s) => {
      calls.saved.push(s);
      kept = s;
    },
    exportAnswers: async (a) => (calls.exported.push(a), a),
    subscribe: (on) => {
      listeners.add(on);
      on({ type: 'snapshot', state: { phase: 'idle', plan: null, steps: [], progress: null, percent: 0, log: [], error: null, logPath: null } });
      return () => listeners.delete(on);
    },
  };
  return { api, calls, keep: (s: WizardSession) => (kept = s), emit: (m: ServiceMessage) => act(() => listeners.forEach((l) => l(m))) };
}

describe('wizard components', () => {
  it('starts on the language page and switches every string live', async () => {
    const { api } = fakeApi(facts());
    render(<App api={api} i18n={initI18n('en')} />);
    expect(await screen.findByRole('heading', { name: enApp.language.title })).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: '简体中文' }));
    expect(await screen.findByRole('heading', { name: zhApp.language.title })).toBeTruthy();
    expect(screen.getByRole('button', { name: zhApp.nav.next })).toBeTruthy();
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('skips the language page when the command line carries LANG=, and preselects the recommended variant', async () => {
    const { api } = fakeApi(facts({ cmdlineLocale: 'zh_CN.UTF-8' }));
    render(<App api={api} i18n={initI18n('en')} />);
    expect(await screen.findByRole('heading', { name: zhApp.variant.title })).toBeTruthy();
    const nvidia = screen.getByRole('radio', { name: /Title desktop-nvidia/ }) as HTMLInputElement;
    expect(nvidia.checked).toBe(true);
    expect(screen.getByText(zhApp.variant.recommended)).toBeTruthy();
  });

  it('greys out a refused disk with its translated reason and keeps Next disabled until a good disk is chosen', async () => {
    const { api } = fakeApi(facts({ cmdlineLocale: 'zh_CN.UTF-8' }));
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: zhApp.variant.title });
    act(() => useStore.getState().go('disk'));
    const stick = (await screen.findByRole('radio', { name: /Live Stick/ })) as HTMLInputElement;
    expect(stick.disabled).toBe(true);
    expect(screen.getByText(zhPlan.refusal['live-medium'].replace('{{device}}', '/dev/sdb1'))).toBeTruthy();
    const next = screen.getByRole('button', { name: zhApp.nav.next });
    expect(next.hasAttribute('disabled') || next.getAttribute('data-disabled') === 'true').toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: /Good Disk/ }));
    await waitFor(() => expect(screen.getByRole('button', { name: zhApp.nav.next }).hasAttribute('disabled')).toBe(false));
  });

  it('shows the engine problems of the current page, translated, and stays on the page', async () => {
    const { api, calls } = fakeApi(facts({ cmdlineLocale: 'zh_CN.UTF-8' }), () => [
      { path: 'user.name', code: 'user.name-reserved', params: { name: 'root' }, message: 'reserved' },
      { path: 'target.disk', code: 'target.disk-or-partitions', message: 'other page' },
    ]);
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: zhApp.variant.title });
    act(() => {
      useStore.getState().setFullname('Root');
      useStore.getState().setUser({ password: 'x', confirm: 'x' });
      useStore.getState().go('user');
    });
    fireEvent.click(await screen.findByRole('button', { name: zhApp.nav.next }));
    expect(await screen.findByText(zhValidation.user['name-reserved'].replace('{{name}}', 'root'))).toBeTruthy();
    expect(screen.queryByText(zhValidation.target['disk-or-partitions'])).toBeNull();
    expect(screen.getByRole('heading', { name: zhApp.user.title })).toBeTruthy();
    expect((calls.validate[0] as { user: { name: string } }).user.name).toBe('root');
  });

  it("says the install's own password and full-name rules as they are typed, translated, before Next", async () => {
    const { api } = fakeApi(facts({ cmdlineLocale: 'zh_CN.UTF-8' }));
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: zhApp.variant.title });
    act(() => {
      useStore.getState().setFullname('Liddell, Alice');
      useStore.getState().setUser({ password: 'pass\tword', root: 'password', rootPassword: 'a'.repeat(512) });
      useStore.getState().go('user');
    });
    expect(await screen.findByText(zhValidation.user['password-chars'])).toBeTruthy();
    expect(screen.getByText(zhValidation.user['fullname-chars'])).toBeTruthy();
    expect(screen.getByText(zhValidation.user['password-long'].replace('{{bytes}}', '512').replace('{{max}}', '511'))).toBeTruthy();
  });

  it('puts the focus on Cancel on the summary and enables Install only after the explicit confirmation', async () => {
    const { api, calls } = fakeApi(facts());
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    act(() => useStore.getState().go('summary'));
    await screen.findByText(/Good Disk \/dev\/sda/, { selector: '[data-testid=erase] .warning' });
    // The plan's effects, what loses data set apart and said so to a screen reader.
    const effect = screen.getByTestId('effects').querySelector('li')!;
    expect(effect.className).toBe('effect destroys');
    expect(effect.textContent).toBe('Data is lost: New GPT partition table on /dev/sda (Good Disk, 466 GiB): everything on it is erased');
    // react-aria's autoFocus lands in an effect after the page renders: under load, after the text appears.
    await waitFor(() => expect(document.activeElement?.textContent).toBe(enApp.summary.cancel));
    const install = screen.getByRole('button', { name: enApp.summary.install });
    expect(install.hasAttribute('disabled')).toBe(true);
    fireEvent.click(screen.getByRole('checkbox'));
    await waitFor(() => expect(screen.getByRole('button', { name: enApp.summary.install }).hasAttribute('disabled')).toBe(false));
    // Install runs the plan shown, by its id (no answers are sent again).
    fireEvent.click(screen.getByRole('button', { name: enApp.summary.install }));
    await waitFor(() => expect(calls.install).toEqual(['plan-1']));
  });

  it('follows the install stream: progress with steps, then the Failed page with the step and error', async () => {
    const { api, emit } = fakeApi(facts());
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    const plan = { steps: [{ id: 'copy', label: 'plan:step.copy', weight: 1, actions: [] }] } as unknown as Plan;
    emit({ type: 'event', event: { type: 'plan', plan } });
    emit({ type: 'event', event: { type: 'step', step: 'copy', label: 'plan:step.copy', index: 0, count: 1, state: 'start' } });
    emit({ type: 'event', event: { type: 'progress', step: 'copy', bytes: 5e8, total: 1e9, rate: 5e7, eta: 10, percent: 42 } });
    expect(await screen.findByRole('heading', { name: enApp.progress.title })).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('42');
    expect(screen.getByText(/47\.7 MiB\/s/)).toBeTruthy();
    emit({ type: 'event', event: { type: 'error', step: 'copy', message: 'rsync exited with code 11' } });
    emit({ type: 'event', event: { type: 'done', ok: false, logPath: '/var/log/livekit/x.log' } });
    expect(await screen.findByRole('heading', { name: enApp.failed.title })).toBeTruthy();
    expect(screen.getByText('rsync exited with code 11')).toBeTruthy();
    expect(screen.getByText(enApp.failed.logAt.replace('{{path}}', '/var/log/livekit/x.log'))).toBeTruthy();
  });

  it('says a coded engine error in the chosen language and keeps the program\'s own output as printed', async () => {
    const { api, emit } = fakeApi(facts());
    const i18n = initI18n('en');
    render(<App api={api} i18n={i18n} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    act(() => useStore.getState().setLanguage('zh-CN'));
    const plan = { steps: [{ id: 'copy', label: 'plan:step.copy', weight: 1, actions: [] }] } as unknown as Plan;
    emit({ type: 'event', event: { type: 'plan', plan } });
    emit({ type: 'event', event: { type: 'step', step: 'copy', label: 'plan:step.copy', index: 0, count: 1, state: 'failed' } });
    emit({
      type: 'event',
      event: { type: 'error', step: 'copy', message: 'rsync exited with code 11: No space left on device (28)', code: 'command-failed', params: { program: 'rsync', exitCode: 11 }, stderrTail: 'rsync: write failed: No space left on device (28)' },
    });
    emit({ type: 'event', event: { type: 'done', ok: false } });
    expect(await screen.findByRole('heading', { name: zhApp.failed.title })).toBeTruthy();
    expect(screen.getByTestId('failed-error').textContent).toBe(zhApp.failed.errors['command-failed'].replace('{{program}}', 'rsync').replace('{{exitCode}}', '11'));
    expect(screen.getByText(zhApp.failed.output)).toBeTruthy();
    expect(screen.getByTestId('failed-output').textContent).toBe('rsync: write failed: No space left on device (28)');
  });
});

describe('issue 13 in the components', () => {
  it('resumes the session the service kept: page, language and answers', async () => {
    const { api, keep } = fakeApi(facts());
    keep({ page: 'user', language: 'zh-CN', fields: { variant: 'desktop', user: { fullname: '张三', username: 'user' } }, secrets: { password: 'pw-12345', confirm: 'pw-12345' } });
    render(<App api={api} i18n={initI18n('en')} />);
    expect(await screen.findByRole('heading', { name: zhApp.user.title })).toBeTruthy();
    expect((screen.getByLabelText(zhApp.user.fullname) as HTMLInputElement).value).toBe('张三');
    expect((screen.getByLabelText(zhApp.user.password) as HTMLInputElement).value).toBe('pw-12345');
  });

  it('asks before cancelling; finished steps say so in the past; Cancel reaches the engine', async () => {
    const { api, emit, calls } = fakeApi(facts());
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    const plan = { steps: [{ id: 'partition', label: 'plan:step.partition', weight: 1, actions: [] }, { id: 'copy', label: 'plan:step.copy', weight: 1, actions: [] }] } as unknown as Plan;
    emit({ type: 'event', event: { type: 'plan', plan } });
    emit({ type: 'event', event: { type: 'step', step: 'partition', label: 'plan:step.partition', index: 0, count: 2, state: 'done' } });
    emit({ type: 'event', event: { type: 'step', step: 'copy', label: 'plan:step.copy', index: 1, count: 2, state: 'start' } });
    await screen.findByRole('heading', { name: enApp.progress.title });
    expect(screen.getByText('Disk partitioned')).toBeTruthy();
    expect(screen.getByText('Copying the system')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: enApp.progress.cancel }));
    expect(await screen.findByText(enApp.progress.cancelQuestion)).toBeTruthy();
    expect(calls.cancel).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: enApp.progress.cancelConfirm }));
    await waitFor(() => expect(calls.cancel).toBe(1));
    emit({ type: 'event', event: { type: 'cancelled' } });
    emit({ type: 'event', event: { type: 'done', ok: false } });
    expect(await screen.findByRole('heading', { name: enApp.failed.cancelledTitle })).toBeTruthy();
    expect(screen.getByTestId('failed-error').textContent).toBe(enApp.failed.cancelledBody);
  });
});

describe('issue 21 in the components', () => {
  /** A service error as the tRPC client gives it: an English message and the engine's code. */
  const serviceError = (message: string, code: string, params: Record<string, string | number>) => Object.assign(new Error(message), { data: { coded: { code, params } } });

  it('says the disks could not be read in words, never the command’s output', async () => {
    const { api } = fakeApi(facts());
    api.facts = async () => {
      throw serviceError('cannot read the disks: lsblk failed (timed out)', 'facts-unavailable', { program: 'lsblk' });
    };
    render(<App api={api} i18n={initI18n('en')} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(enApp.app.factsError.replace('{{error}}', enApp.app.factsUnavailable.replace('{{program}}', 'lsblk')));
  });

  it('says why the answers were not exported: the password rule, translated', async () => {
    const { api } = fakeApi(facts());
    api.exportAnswers = async () => {
      throw serviceError('not exported', 'export-refused', { path: 'user.password', problem: 'user.password-short', min: 4 });
    };
    render(<App api={api} i18n={initI18n('en')} />);
    fireEvent.click(await screen.findByRole('button', { name: enApp.header.export }));
    const reason = enValidation.user['password-short'].replace('{{min}}', '4');
    expect(await screen.findByText(enApp.header.exportRefused.replace('{{reason}}', reason))).toBeTruthy();
    api.exportAnswers = async () => {
      throw new Error('connection lost');
    };
    fireEvent.click(screen.getByRole('button', { name: enApp.header.export }));
    expect(await screen.findByText(enApp.header.exportFailed)).toBeTruthy();
  });
});

describe('issue 22 in the components: encryption on the disk page', () => {
  const nextButton = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
  const disabled = (b: HTMLElement) => b.hasAttribute('disabled') || b.getAttribute('data-disabled') === 'true';
  /** The disk page with a good disk chosen (erase mode), in `lng`. */
  async function onDiskPage(lng: 'en' | 'zh-CN', f = facts()) {
    const env = fakeApi(f);
    render(<App api={env.api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    act(() => {
      useStore.getState().setLanguage(lng);
      useStore.getState().setVariant('desktop');
      useStore.getState().setDisk({ disk: '/dev/sda' });
      useStore.getState().go('disk');
    });
    await screen.findByRole('heading', { name: (lng === 'en' ? enApp : zhApp).disk.title });
    return env;
  }
  const describedBy = (el: Element) => (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`);

  it('the checkbox reveals the passphrase fields and the warning, each described to screen readers', async () => {
    await onDiskPage('en');
    const box = screen.getByRole('checkbox', { name: enApp.disk.encrypt }) as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(describedBy(box)).toEqual([enApp.disk.encryptAbout]);
    expect(screen.queryByLabelText(enApp.disk.passphrase)).toBeNull();
    fireEvent.click(box);
    const field = (await screen.findByLabelText(enApp.disk.passphrase)) as HTMLInputElement;
    const confirm = screen.getByLabelText(enApp.disk.passphraseConfirm) as HTMLInputElement;
    expect([field.type, confirm.type]).toEqual(['password', 'password']);
    const warning = screen.getByTestId('encrypt-warning');
    expect(warning.textContent).toContain(enApp.disk.encryptWarning);
    expect(describedBy(screen.getByRole('checkbox', { name: enApp.disk.encrypt }))).toEqual([warning.textContent]);
    // The field is described by its hint (the rule, then the strength) and by the warning.
    const rules = enApp.disk.passphraseRules.replace('{{min}}', '8');
    expect(describedBy(field)).toEqual([rules, warning.textContent]);
    expect(screen.getByTestId('passphrase-hint').getAttribute('aria-live')).toBe('polite');
    fireEvent.change(field, { target: { value: 'Wonder-land-42' } });
    expect(screen.getByTestId('passphrase-hint').textContent).toBe(`${enApp.disk.passphraseStrength.strong} · ${rules}`);
    expect(screen.getByTestId('passphrase-hint').getAttribute('data-strength')).toBe('strong');
    fireEvent.change(field, { target: { value: 'abcdefgh' } });
    expect(screen.getByTestId('passphrase-hint').textContent).toBe(`${enApp.disk.passphraseStrength.weak} · ${rules}`);
  });

  it("says the engine's passphrase rule as it is typed, translated, and keeps Next disabled until both agree", async () => {
    const { calls } = await onDiskPage('zh-CN');
    expect(disabled(nextButton(zhApp.nav.next))).toBe(false);
    fireEvent.click(screen.getByRole('checkbox', { name: zhApp.disk.encrypt }));
    const field = (await screen.findByLabelText(zhApp.disk.passphrase)) as HTMLInputElement;
    const confirm = screen.getByLabelText(zhApp.disk.passphraseConfirm) as HTMLInputElement;
    const hint = () => screen.getByTestId('passphrase-hint').textContent;
    const confirmHint = () => screen.getByTestId('passphrase-confirm-hint').textContent;
    // Ticked with nothing typed: no Next.
    expect(disabled(nextButton(zhApp.nav.next))).toBe(true);
    fireEvent.change(field, { target: { value: 'short' } });
    expect(hint()).toBe(zhValidation.encryption['passphrase-short'].replace('{{min}}', '8'));
    expect(field.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(confirm, { target: { value: 'short' } });
    expect(disabled(nextButton(zhApp.nav.next))).toBe(true);
    // Typed in the Live session's input method: never typeable at the console before boot.
    fireEvent.change(field, { target: { value: '芝麻开门芝麻开门芝麻' } });
    fireEvent.change(confirm, { target: { value: '芝麻开门芝麻开门芝麻' } });
    expect(hint()).toBe(zhValidation.encryption['passphrase-chars']);
    expect(disabled(nextButton(zhApp.nav.next))).toBe(true);
    // A good one, and a confirmation being typed: not an error while it is a beginning of the passphrase.
    fireEvent.change(field, { target: { value: 'Wonder-land-42' } });
    expect(hint()).toBe(`${zhApp.disk.passphraseStrength.strong} · ${zhApp.disk.passphraseRules.replace('{{min}}', '8')}`);
    fireEvent.change(confirm, { target: { value: 'Wonder' } });
    expect(confirmHint()).toBe(zhApp.disk.passphraseAgain);
    expect(disabled(nextButton(zhApp.nav.next))).toBe(true);
    fireEvent.change(confirm, { target: { value: 'Wonder-land-41' } });
    expect(confirmHint()).toBe(zhValidation.encryption['passphrase-mismatch']);
    expect(confirm.getAttribute('aria-invalid')).toBe('true');
    expect(disabled(nextButton(zhApp.nav.next))).toBe(true);
    fireEvent.change(confirm, { target: { value: 'Wonder-land-42' } });
    expect(confirmHint()).toBe(zhApp.disk.passphraseMatches);
    await waitFor(() => expect(disabled(nextButton(zhApp.nav.next))).toBe(false));
    // Next asks the engine with the answers the wizard built: they carry the passphrase.
    fireEvent.click(nextButton(zhApp.nav.next));
    expect(await screen.findByRole('heading', { name: zhApp.user.title })).toBeTruthy();
    expect(calls.validate.at(-1)).toMatchObject({ target: { disk: '/dev/sda' }, encryption: { passphrase: 'Wonder-land-42' } });
    // The session the service keeps: the passphrase with the secrets, never in the fields.
    await waitFor(() => expect(calls.saved.at(-1)?.secrets.passphrase).toBe('Wonder-land-42'));
    expect(calls.saved.length).toBeGreaterThan(0);
    for (const saved of calls.saved) expect(JSON.stringify(saved.fields)).not.toMatch(/Wonder|芝麻|short/);
    expect(calls.saved.at(-1)).toMatchObject({ fields: { disk: { encrypt: true } }, secrets: { passphraseConfirm: 'Wonder-land-42' } });
  });

  it('does not offer encryption into existing partitions, nor for a variant without cryptsetup, and says why', async () => {
    const f = facts({ sysroots: [sysroot('desktop', false, { cryptsetup: false }), sysroot('desktop-nvidia', true)] });
    await onDiskPage('en', f);
    // This variant cannot open an encrypted root: the planner's own words, with its title.
    let box = screen.getByRole('checkbox', { name: enApp.disk.encrypt }) as HTMLInputElement;
    expect(box.disabled).toBe(true);
    const reason = screen.getByTestId('encrypt-unavailable').textContent;
    expect(reason).toBe(enPlan.problem['no-cryptsetup'].replace('{{variant}}', 'Title desktop'));
    expect(describedBy(box)).toEqual([reason]);
    act(() => useStore.getState().setVariant('desktop-nvidia'));
    box = screen.getByRole('checkbox', { name: enApp.disk.encrypt }) as HTMLInputElement;
    expect(box.disabled).toBe(false);
    fireEvent.click(box);
    await screen.findByLabelText(enApp.disk.passphrase);
    // Into existing partitions: not offered, said so; the answers ask for no encryption.
    fireEvent.click(screen.getByRole('radio', { name: enApp.disk.modePartitions }));
    box = (await screen.findByRole('checkbox', { name: enApp.disk.encrypt })) as HTMLInputElement;
    expect([box.disabled, box.checked]).toEqual([true, false]);
    expect(screen.getByTestId('encrypt-unavailable').textContent).toBe(enApp.disk.encryptNeedsErase);
    expect(screen.queryByLabelText(enApp.disk.passphrase)).toBeNull();
    expect(buildAnswers(wizardFields(useStore.getState()), true)).not.toHaveProperty('encryption');
  });

  it('says the encryption on the summary, and how to give the passphrase an exported file lacks', async () => {
    const { api, calls } = fakeApi(facts());
    const effects = [
      { kind: 'new-table', disk: '/dev/sda', table: 'gpt', sizeBytes: 500e9, model: 'Good Disk' },
      { kind: 'encrypt', part: { disk: '/dev/sda', number: 3 }, sizeBytes: 400e9 },
      { kind: 'format', part: { disk: '/dev/sda', number: 3 }, fstype: 'ext4', sizeBytes: 400e9, mountpoint: '/', encrypted: true },
    ];
    api.plan = async () => ({ ok: true, planId: 'plan-2', plan: { erase: { path: '/dev/sda', model: 'Good Disk', sizeBytes: 500e9, image: false }, partitions: [], effects, steps: [], locale: 'en_US.UTF-8', variant: { name: 'desktop' }, answers: { user: { name: 'a' }, hostname: 'h', timezone: 'UTC', rtc: 'utc', encryption: 'luks2' } } as unknown as Plan });
    render(<App api={api} i18n={initI18n('en')} />);
    await screen.findByRole('heading', { name: enApp.language.title });
    act(() => {
      useStore.getState().setUser({ password: 'pw-12345' });
      useStore.getState().setDisk({ disk: '/dev/sda', encrypt: true });
      useStore.getState().setPassphrase({ value: 'Wonder-land-42', confirm: 'Wonder-land-42' });
      useStore.getState().go('summary');
    });
    expect((await screen.findByTestId('summary-encryption')).textContent).toBe(enApp.summary.encryptionLuks2);
    const lines = [...screen.getByTestId('effects').querySelectorAll('li')].map((li) => li.textContent);
    expect(lines[1]).toMatch(/^Encrypt partition 3 of \/dev\/sda with LUKS2/);
    expect(lines[2]).toMatch(/^Format the encrypted partition 3 of \/dev\/sda as ext4/);
    fireEvent.click(screen.getByRole('button', { name: enApp.header.export }));
    expect(await screen.findByText(`${enApp.header.exported} ${enApp.header.exportedNoPassphrase}`)).toBeTruthy();
    // The note follows the language, as every other string does.
    act(() => useStore.getState().setLanguage('zh-TW'));
    expect(await screen.findByText(`${twApp.header.exported}${twApp.header.exportedNoPassphrase}`)).toBeTruthy();
    // The file asks for encryption; the service writes its passphrase as null (shared/secrets.ts).
    expect(calls.exported[0]).toHaveProperty('encryption');
  });
});
