// The wizard's state: one zustand slice per step, plus facts, navigation and the install's state.
import { create, type StateCreator } from 'zustand';
import { initialInstallState, layoutForLocale, reduceInstall, timezoneForLocale, type InstallState, type ServiceMessage, type UiFacts, type UiProblem, type Plan, type WizardSession } from '../../electron/api.ts';
import { deriveHostname, deriveUsername, type WizardFields } from './derive.ts';

export const PAGES = ['language', 'variant', 'disk', 'user', 'region', 'summary', 'progress', 'done', 'failed'] as const;
export type Page = (typeof PAGES)[number];

export interface NavSlice {
  page: Page;
  go(page: Page): void;
}
export interface FactsSlice {
  facts: UiFacts | null;
  factsError: string | null;
  setFacts(f: UiFacts): void;
  setFactsError(e: string): void;
}
export interface LanguageSlice {
  language: string;
  /** POSIX locale for the answers (`zh_CN.UTF-8`). */
  locale: string;
  setLanguage(lng: string): void;
}
export interface VariantSlice {
  variant: string;
  setVariant(v: string): void;
}
export interface DiskSlice {
  disk: WizardFields['disk'];
  setDisk(p: Partial<WizardFields['disk']>): void;
}
export interface PassphraseSlice {
  /** The disk passphrase and its confirmation: secrets, kept like the passwords (never in the session's fields). */
  passphrase: { value: string; confirm: string };
  setPassphrase(p: Partial<PassphraseSlice['passphrase']>): void;
}
export interface UserSlice {
  user: WizardFields['user'] & { confirm: string; rootConfirm: string; usernameEdited: boolean; hostnameEdited: boolean; timezoneEdited: boolean };
  setFullname(v: string): void;
  setUsername(v: string): void;
  setHostname(v: string): void;
  setUser(p: Partial<Pick<WizardFields['user'], 'password' | 'rtc' | 'admin' | 'autologin' | 'root' | 'rootPassword'> & { confirm: string; rootConfirm: string }>): void;
  /** The person chose a zone: the language no longer changes it. */
  setTimezone(tz: string): void;
}
export interface KeyboardSlice {
  keyboard: WizardFields['keyboard'] & { edited: boolean };
  setKeyboard(k: Partial<WizardFields['keyboard']>): void;
}
export interface SessionSlice {
  /** The session was read from the service (or there was none): the wizard may show its pages. */
  resumed: boolean;
  /** Takes over a session the service kept (a reload, a second window). */
  resume(s: WizardSession | null): void;
}
export interface SummarySlice {
  plan: Plan | null;
  /** The id under which the service keeps `plan`: the install runs exactly that plan. */
  planId: string | null;
  problems: UiProblem[];
  confirmed: boolean;
  setPlan(plan: Plan | null, problems: UiProblem[], planId?: string): void;
  setConfirmed(v: boolean): void;
}
export interface InstallSlice {
  install: InstallState;
  apply(m: ServiceMessage): void;
}

export type Store = NavSlice & FactsSlice & LanguageSlice & VariantSlice & DiskSlice & PassphraseSlice & UserSlice & KeyboardSlice & SummarySlice & InstallSlice & SessionSlice;
type Slice<T> = StateCreator<Store, [], [], T>;

export const LOCALE_OF: Record<string, string> = { en: 'en_US.UTF-8', 'zh-CN': 'zh_CN.UTF-8', 'zh-TW': 'zh_TW.UTF-8' };

const navSlice: Slice<NavSlice> = (set) => ({ page: 'language', go: (page) => set({ page }) });
const factsSlice: Slice<FactsSlice> = (set) => ({
  facts: null,
  factsError: null,
  setFacts: (facts) => set({ facts, factsError: null }),
  setFactsError: (factsError) => set({ factsError }),
});
const languageSlice: Slice<LanguageSlice> = (set) => ({
  language: 'en',
  locale: 'en_US.UTF-8',
  // The locale suggests the time zone and the keyboard layout, until the person chooses them.
  setLanguage: (language) =>
    set((s) => {
      const locale = LOCALE_OF[language] ?? 'en_US.UTF-8';
      return {
        language,
        locale,
        user: s.user.timezoneEdited ? s.user : { ...s.user, timezone: timezoneForLocale(locale) ?? defaultTimezone() },
        keyboard: s.keyboard.edited ? s.keyboard : { layout: layoutForLocale(locale), variant: '', edited: false },
      };
    }),
});
const variantSlice: Slice<VariantSlice> = (set) => ({ variant: '', setVariant: (variant) => set({ variant, plan: null, planId: null, confirmed: false }) });
const diskSlice: Slice<DiskSlice> = (set) => ({
  disk: { mode: 'erase', disk: '', root: '', efi: '', filesystem: 'ext4', swap: 'auto', swapSize: '2GiB', bootloader: 'auto', encrypt: false },
  setDisk: (p) => set((s) => ({ disk: { ...s.disk, ...p }, plan: null, planId: null, confirmed: false })),
});
const passphraseSlice: Slice<PassphraseSlice> = (set) => ({
  passphrase: { value: '', confirm: '' },
  setPassphrase: (p) => set((s) => ({ passphrase: { ...s.passphrase, ...p }, plan: null, planId: null, confirmed: false })),
});
const userSlice: Slice<UserSlice> = (set) => ({
  user: {
    fullname: '',
    username: '',
    password: '',
    confirm: '',
    hostname: '',
    timezone: defaultTimezone(),
    rtc: 'utc',
    admin: true,
    autologin: false,
    root: 'locked',
    rootPassword: '',
    rootConfirm: '',
    usernameEdited: false,
    hostnameEdited: false,
    timezoneEdited: false,
  },
  setFullname: (fullname) =>
    set((s) => {
      const username = s.user.usernameEdited ? s.user.username : deriveUsername(fullname);
      const hostname = s.user.hostnameEdited ? s.user.hostname : deriveHostname(username);
      return { user: { ...s.user, fullname, username, hostname } };
    }),
  setUsername: (username) =>
    set((s) => ({ user: { ...s.user, username, usernameEdited: true, hostname: s.user.hostnameEdited ? s.user.hostname : deriveHostname(username) } })),
  setHostname: (hostname) => set((s) => ({ user: { ...s.user, hostname, hostnameEdited: true } })),
  setUser: (p) => set((s) => ({ user: { ...s.user, ...p } })),
  setTimezone: (timezone) => set((s) => ({ user: { ...s.user, timezone, timezoneEdited: true } })),
});
const keyboardSlice: Slice<KeyboardSlice> = (set) => ({
  keyboard: { layout: 'us', variant: '', edited: false },
  setKeyboard: (k) => set((s) => ({ keyboard: { ...s.keyboard, ...(k.layout !== undefined && k.layout !== s.keyboard.layout ? { variant: '' } : {}), ...k, edited: true } })),
});

/**
 * Fields the session keeps; the passwords and the disk passphrase travel apart, as `secrets`, and stay in the
 * service's memory.
 */
const SECRET_FIELDS = ['password', 'confirm', 'rootPassword', 'rootConfirm', 'passphrase', 'passphraseConfirm'] as const;

export function sessionOf(s: Store): WizardSession {
  const { password, confirm, rootPassword, rootConfirm, ...user } = s.user;
  return {
    page: s.page,
    language: s.language,
    fields: { variant: s.variant, disk: s.disk, user, keyboard: s.keyboard },
    secrets: { password, confirm, rootPassword, rootConfirm, passphrase: s.passphrase.value, passphraseConfirm: s.passphrase.confirm },
  };
}

const sessionSlice: Slice<SessionSlice> = (set) => ({
  resumed: false,
  resume: (session) =>
    set((s) => {
      if (!session) return { resumed: true };
      const f = session.fields as Partial<{ variant: string; disk: Store['disk']; user: Partial<Store['user']>; keyboard: Store['keyboard'] }>;
      const secrets = Object.fromEntries(SECRET_FIELDS.map((k) => [k, session.secrets[k] ?? ''])) as Record<(typeof SECRET_FIELDS)[number], string>;
      const page = (PAGES as readonly string[]).includes(session.page) ? (session.page as Page) : s.page;
      return {
        resumed: true,
        page: pageFor(s.install, page),
        language: session.language,
        locale: LOCALE_OF[session.language] ?? s.locale,
        variant: f.variant ?? s.variant,
        disk: { ...s.disk, ...f.disk },
        user: { ...s.user, ...f.user, password: secrets.password, confirm: secrets.confirm, rootPassword: secrets.rootPassword, rootConfirm: secrets.rootConfirm },
        passphrase: { value: secrets.passphrase, confirm: secrets.passphraseConfirm },
        keyboard: { ...s.keyboard, ...f.keyboard },
      };
    }),
});
const summarySlice: Slice<SummarySlice> = (set) => ({
  plan: null,
  planId: null,
  problems: [],
  confirmed: false,
  setPlan: (plan, problems, planId) => set({ plan, planId: plan ? (planId ?? null) : null, problems, confirmed: false }),
  setConfirmed: (confirmed) => set({ confirmed }),
});
const installSlice: Slice<InstallSlice> = (set) => ({
  install: initialInstallState(),
  apply: (m) =>
    set((s) => {
      const install = m.type === 'snapshot' ? m.state : reduceInstall(s.install, m.event);
      return { install, page: pageFor(install, s.page) };
    }),
});

/** While an install runs or has ended, the install decides the page (also after a reload). */
export function pageFor(install: InstallState, page: Page): Page {
  switch (install.phase) {
    case 'running':
      return 'progress';
    case 'done':
      return 'done';
    case 'failed':
    case 'cancelled':
      return page === 'progress' || page === 'failed' || page === 'summary' || page === 'language' ? 'failed' : page;
    default:
      return page === 'progress' || page === 'done' || page === 'failed' ? 'summary' : page;
  }
}

function defaultTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export const createStore = () =>
  create<Store>()((...a) => ({
    ...navSlice(...a),
    ...factsSlice(...a),
    ...languageSlice(...a),
    ...variantSlice(...a),
    ...diskSlice(...a),
    ...passphraseSlice(...a),
    ...userSlice(...a),
    ...keyboardSlice(...a),
    ...summarySlice(...a),
    ...installSlice(...a),
    ...sessionSlice(...a),
  }));

export const useStore = createStore();

export function wizardFields(s: Store): WizardFields {
  return { locale: s.locale, variant: s.variant, disk: s.disk, passphrase: s.passphrase.value, user: s.user, keyboard: s.keyboard };
}
