// @vitest-environment jsdom
// The wizard's components in jsdom with the real store, translations and react-aria widgets; the engine is
// replaced by a small in-memory Api (this tests the UI's logic, the real engine is exercised by test/e2e).
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App, type Api } from '../../renderer/App.tsx';
import { initI18n } from '../../renderer/i18n.ts';
import { useStore } from '../../renderer/store/index.ts';
import type { ServiceMessage, UiFacts, UiProblem, SysrootInfo, Plan, WizardSession } from '../../electron/api.ts';
import enApp from '../../locales/en/app.json' with { type: 'json' };
import zhApp from '../../locales/zh-CN/app.json' with { type: 'json' };
import zhPlan from '../../locales/zh-CN/plan.json' with { type: 'json' };
import zhValidation from '../../locales/zh-CN/validation.json' with { type: 'json' };
import enValidation from '../../locales/en/validation.json' with { type: 'json' };

const initial = useStore.getState();
afterEach(() => {
  cleanup();
  useStore.setState(initial, true);
});

const sysroot = (name: string, recommended = false): SysrootInfo => ({
  name, path: `/sysroots/${name}`, title: `Title ${name}`, description: `About ${name}`, sizeBytes: 4e9, inodes: 1, measured: false,
  installable: true, hints: {}, layers: [], osRelease: {}, recommended,
  tools: { grubPlatforms: [], kernels: [], useradd: true, chpasswd: true, adminGroups: [], existingUsers: [] },
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
