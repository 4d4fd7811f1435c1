// The wizard shell: header (title, language switch, export answers), the current page, the install stream.
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { i18n as I18n, TFunction } from 'i18next';
import type { PlanOutcome, ServiceMessage, UiFacts, UiProblem, WizardSession } from '../electron/api.ts';
import { LanguageSelect } from './components/LanguageSelect.tsx';
import { saveFile } from './components/save.ts';
import { languageOf } from './i18n.ts';
import { buildAnswers, encrypts } from './store/derive.ts';
import { sessionOf, useStore, wizardFields } from './store/index.ts';
import { RegionPage } from './steps/RegionPage.tsx';
import { DiskPage } from './steps/DiskPage.tsx';
import { DonePage } from './steps/DonePage.tsx';
import { FailedPage } from './steps/FailedPage.tsx';
import { LanguagePage } from './steps/LanguagePage.tsx';
import { ProgressPage } from './steps/ProgressPage.tsx';
import { SummaryPage } from './steps/SummaryPage.tsx';
import { UserPage } from './steps/UserPage.tsx';
import { VariantPage } from './steps/VariantPage.tsx';
import { codedOf, type RescueApi } from './repair/api.ts';
import { RepairPath } from './repair/RepairPath.tsx';
import { StartPage } from './repair/StartPage.tsx';
import { useRepair } from './store/repair.ts';


/** What the app needs from the engine; the real one is the tRPC client (main.tsx), tests pass their own. */
export interface Api {
  facts(input: { lang: string; variant?: string; swap?: string }): Promise<UiFacts>;
  validate(answers: Record<string, unknown>): Promise<UiProblem[]>;
  plan(answers: Record<string, unknown>): Promise<PlanOutcome>;
  /** Runs the plan the summary showed, by its id. */
  install(planId: string): Promise<{ started: boolean; problems?: UiProblem[] }>;
  retry(): Promise<unknown>;
  /** Stops the install under way (the engine releases everything; the Failed page follows). */
  cancel(): Promise<{ cancelled: boolean }>;
  reboot(): Promise<{ rebooting: boolean }>;
  subscribe(onMessage: (m: ServiceMessage) => void): () => void;
  /** The wizard session the service kept (a reload or another window resumes it). */
  session(): Promise<{ session: WizardSession | null; revision: number }>;
  saveSession(s: WizardSession): Promise<unknown>;
  /** The answers as a file: the service replaces each password by its SHA-512 crypt hash. */
  exportAnswers(answers: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Maintenance of installed systems (absent: the first page goes straight to the install). */
  rescue?: RescueApi;
}

/** The pages a fresh wizard shows first; a session resumed on any other skips the Install/Repair choice. */
const FIRST_PAGES = ['language', 'variant'];

/** How long the wizard waits after a change before it hands the session to the service. */
const SESSION_SAVE_MS = 250;

function Wizard({ api }: { api: Api }) {
  const { t, i18n } = useTranslation();
  const page = useStore((s) => s.page);
  const language = useStore((s) => s.language);
  const variant = useStore((s) => s.variant);
  const swap = useStore((s) => s.disk.swap === 'size' ? s.disk.swapSize : s.disk.swap);
  const facts = useStore((s) => s.facts);
  const factsError = useStore((s) => s.factsError);
  const resumed = useStore((s) => s.resumed);
  const skipLanguage = !!facts?.cmdlineLocale;
  // What the last export did, said in the current language (the header switches it live).
  const [exportNote, setExportNote] = useState<((t: TFunction) => string) | null>(null);

  // The session the service kept comes first: a reload resumes the same page, language and answers.
  useEffect(() => {
    let live = true;
    api
      .session()
      .then((r) => {
        if (!live) return;
        useStore.getState().resume(r.session);
        // A session past the first pages is an install under way in the wizard: no start page again.
        if (r.session && !FIRST_PAGES.includes(r.session.page)) useRepair.getState().choose('install');
      })
      .catch(() => live && useStore.getState().resume(null));
    return () => {
      live = false;
    };
  }, [api]);

  // Every change is handed to the service shortly after (the passwords stay in its memory only).
  useEffect(() => {
    if (!resumed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = JSON.stringify(sessionOf(useStore.getState()));
    const unsubscribe = useStore.subscribe((s) => {
      const now = sessionOf(s);
      const text = JSON.stringify(now);
      if (text === last) return;
      last = text;
      clearTimeout(timer);
      timer = setTimeout(() => void api.saveSession(now).catch(() => undefined), SESSION_SAVE_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [api, resumed]);
  // The first page chooses between installing and repairing; an install under way always shows.
  const mode = useRepair((s) => s.mode);
  const installing = useStore((s) => s.install.phase !== 'idle');
  const way = installing || !api.rescue ? 'install' : mode;

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [language, i18n]);

  // Facts (titles in the language, refusals for the variant's size) are re-read when those change; a swap size
  // being typed is waited for briefly instead of re-reading the disks on every key.
  const lastSwap = useRef(swap);
  useEffect(() => {
    const typing = swap !== lastSwap.current;
    lastSwap.current = swap;
    let live = true;
    const load = () =>
      api
        .facts({ lang: language, ...(variant ? { variant } : {}), swap })
        .then((f) => live && useStore.getState().setFacts(f))
        .catch((e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          const coded = codedOf(e);
          if (live) useStore.getState().setFactsError(coded?.code === 'facts-unavailable' ? t('app.factsUnavailable', coded.params) : message);
        });
    const timer = typing ? setTimeout(load, 300) : (void load(), undefined);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [api, language, variant, swap]);

  // The kernel command line's LANG= (GRUB's choice) sets the language and skips its page, once (not over
  // a resumed session, where the person may have chosen another language since).
  const cmdlineLocale = facts?.cmdlineLocale;
  useEffect(() => {
    if (!cmdlineLocale || !resumed) return;
    const s = useStore.getState();
    if (s.page === 'language') {
      s.setLanguage(languageOf(cmdlineLocale));
      s.go('variant');
    }
  }, [cmdlineLocale, resumed]);

  // Preselect the variant the Live session booted (livekit.boot=), else the recommended, else the first installable.
  useEffect(() => {
    if (!facts || !resumed || useStore.getState().variant) return;
    const installable = facts.sysroots.filter((s) => s.installable);
    const pick = installable.find((s) => s.name === facts.bootSysroot) ?? installable.find((s) => s.recommended) ?? installable[0];
    if (pick) useStore.getState().setVariant(pick.name);
  }, [facts, resumed]);

  useEffect(() => api.subscribe((m) => useStore.getState().apply(m)), [api]);

  const exportAnswers = async () => {
    const fields = wizardFields(useStore.getState());
    try {
      const answers = await api.exportAnswers(buildAnswers(fields, true) as unknown as Record<string, unknown>);
      saveFile('livekit-answers.json', JSON.stringify(answers, null, 2) + '\n', 'application/json');
      const saved = fields.user.password ? 'header.exported' : 'header.exportedNoPassword';
      // A hash cannot unlock a disk: the file says `passphrase: null`, and the note says how to give it.
      const encrypted = encrypts(fields);
      setExportNote(() => (t: TFunction) => (encrypted ? t('header.exportNotes', { first: t(saved), second: t('header.exportedNoPassphrase') }) : t(saved)));
    } catch (e) {
      // A password the rules refuse is not exported (its hash would hide it from validation): say which rule.
      const coded = codedOf(e);
      const problem = coded?.code === 'export-refused' ? String(coded.params.problem) : null;
      setExportNote(() => (t: TFunction) => (problem ? t('header.exportRefused', { reason: t(`validation:${problem}`, coded!.params) }) : t('header.exportFailed')));
    }
  };

  return (
    <div className="app">
      <header className="header">
        <span className="brand">{t('app.title')}</span>
        {facts?.demo && <span className="badge demo">{t('app.demo')}</span>}
        <span className="spacer" />
        {way === 'install' && page !== 'progress' && (
          <Button className="button secondary" onPress={() => void exportAnswers()}>
            {t('header.export')}
          </Button>
        )}
        <LanguageSelect />
      </header>
      {/* Under the header, as wide as the window: a note of two sentences would make the sticky header tall. */}
      {exportNote && <p role="status" className="export-note">{exportNote(t)}</p>}
      <main className="main">
        {way === 'start' && <StartPage />}
        {way === 'repair' && api.rescue && <RepairPath api={api.rescue} locale={useStore.getState().locale} />}
        {way === 'install' && <>
        {factsError && <p role="alert" className="problems">{t('app.factsError', { error: factsError })}</p>}
        {/* The language page needs no facts: it shows at once (and is skipped when they bring LANG=). */}
        {resumed && page === 'language' && <LanguagePage />}
        {(!resumed || (!facts && !factsError && page !== 'language')) && <p role="status">{t('app.loading')}</p>}
        {resumed && facts && page === 'variant' && <VariantPage validate={api.validate} skipLanguage={skipLanguage} />}
        {resumed && facts && page === 'disk' && <DiskPage validate={api.validate} />}
        {resumed && facts && page === 'user' && <UserPage validate={api.validate} />}
        {resumed && facts && page === 'region' && <RegionPage validate={api.validate} />}
        {resumed && facts && page === 'summary' && <SummaryPage planFn={api.plan} installFn={api.install} />}
        {page === 'progress' && <ProgressPage cancelFn={api.cancel} />}
        {page === 'done' && <DonePage rebootFn={api.reboot} />}
        {page === 'failed' && <FailedPage retryFn={api.retry} />}
        </>}
      </main>
    </div>
  );
}

export function App({ api, i18n }: { api: Api; i18n: I18n }) {
  return (
    <I18nextProvider i18n={i18n}>
      <Wizard api={api} />
    </I18nextProvider>
  );
}
