// `livekit`: the command line QA scripts and the demo use (issue #2 fixes its commands, flags and exit codes).
//   0 done · 1 install failed (cleaned up) · 2 invalid input, answer file or medium config · 3 target refused · 130 cancelled
import type { TFunction } from 'i18next';
import { engineI18n } from '../engine/i18n.ts';
import { EXIT, prepareInstall, runInstall, type Prepared } from '../engine/app/install.ts';
import { loadAnswersFile, AnswersFileError } from '../engine/answers/load.ts';
import { answersJsonSchema } from '../engine/answers/json-schema.ts';
import { machineWarnings } from '../engine/disks/power.ts';
import { diskChoices, machineFacts, sysrootsOf, validateFor, withSystems } from '../engine/app/facts.ts';
import { MediumConfigError } from '../engine/medium/config.ts';
import { SysrootsJsonError } from '../engine/medium/sysroots-json.ts';
import type { InstallEvent } from '../shared/events.ts';
import { installLastResort } from '../engine/run/last-resort.ts';
import { InputFileError, readInputFile } from '../engine/input-file.ts';
import { parseCliArgs, UsageError, type CliArgs, type HelpRequest } from './args.ts';
import { checkLogForPlan, checkPathOptions } from './paths.ts';
import { OutputFileError } from '../engine/run/output-file.ts';
import { errorText } from '../engine/run/coded-error.ts';
import { cliLanguage } from './language.ts';
import { askYes } from './ask-yes.ts';
import { readSecret, SecretCancelled } from './read-secret.ts';
import { checkPassphrase } from '../shared/account-rules.ts';
import type { Finding } from '../shared/problem.ts';
import { cmdCleanup, settleLeftovers } from './leftovers.ts';
import { diskLines, EventPrinter, effectLines, planLines, problemLine, refusalLines, sysrootLines, warningLines } from './render.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
const jsonLine = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function readCmdline(file: string | undefined): Promise<string> {
  const path = file ?? '/proc/cmdline';
  try {
    return (await readInputFile(path, { allowDevNull: true })).toString('utf8').trim();
  } catch (e) {
    if (file && e instanceof InputFileError) throw e; // reportError names it as the command line file
    if (file) throw new UsageError('error.cmdlineFile', { file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    return '';
  }
}

function sourceOpts(a: CliArgs) {
  return { ...(a.medium ? { mediumDir: a.medium } : {}), ...(a.sysroots ? { sysrootsDir: a.sysroots } : {}) };
}

async function cmdSysroots(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const src = { cmdline, ...sourceOpts(a) };
  // Titles in the language the CLI speaks.
  const sysroots = await sysrootsOf(src, await machineFacts(src), cliLanguage(process.env, cmdline));
  if (a.json) jsonLine(sysroots);
  else if (sysroots.length === 0) out(t('cli:sysroots.none'));
  else sysrootLines(t, sysroots).forEach(out);
  return EXIT.ok;
}

async function cmdDisks(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const disks = diskChoices(await withSystems(await machineFacts({ cmdline, ...sourceOpts(a) })));
  if (a.json) jsonLine(disks);
  else if (disks.length === 0) out(t('cli:disks.none'));
  else diskLines(t, disks).forEach(out);
  return EXIT.ok;
}

async function cmdValidate(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const raw = await loadAnswersFile(a.config!);
  const v = await validateFor({ cmdline, ...sourceOpts(a) }, raw);
  if (v.ok) {
    out(t('cli:validate.ok', { file: a.config }));
    return EXIT.ok;
  }
  err(t('cli:validate.problems', { file: a.config, count: v.problems.length }));
  v.problems.forEach((p) => err(problemLine(t, p)));
  return EXIT.invalid;
}

function reportNotPrepared(a: CliArgs, t: TFunction, p: Extract<Prepared, { ok: false }>): number {
  if (a.json) {
    jsonLine({ type: p.exitCode === EXIT.refused ? 'refused' : 'invalid', exitCode: p.exitCode, problems: p.problems, refusals: p.refusals });
    return p.exitCode;
  }
  if (p.problems.length > 0) {
    err(t('cli:validate.problems', { file: a.config, count: p.problems.length }));
    p.problems.forEach((x) => err(problemLine(t, x)));
  }
  if (p.refusals.some((r) => r.refusals.length > 0)) refusalLines(t, p.refusals).forEach(err);
  return p.exitCode;
}

/** The answers, with a passphrase given on stdin set as `encryption.passphrase` (in memory only). */
async function prepare(a: CliArgs, cmdline: string, passphrase?: string): Promise<Prepared> {
  const raw = await loadAnswersFile(a.config!);
  const withPassphrase =
    passphrase !== undefined && typeof raw === 'object' && raw !== null
      ? { ...raw, encryption: { ...((raw as { encryption?: object }).encryption ?? {}), passphrase } }
      : raw;
  return prepareInstall(withPassphrase, { ...sourceOpts(a), cmdline, ...(a.log ? { logPath: a.log } : {}) });
}

/** `--passphrase-stdin`: the passphrase, or the exit code after saying what is wrong with it. */
async function passphraseFromStdin(t: TFunction): Promise<string | number> {
  const r = await readSecret({ ask: t('cli:install.passphraseAsk'), again: t('cli:install.passphraseAgain') }, checkPassphrase);
  const refused: Finding[] = r === 'mismatch' ? [{ code: 'encryption.passphrase-mismatch' }] : r.refused;
  if (r !== 'mismatch' && r.value !== undefined && refused.length === 0) return r.value;
  refused.forEach((f) => err(problemLine(t, { path: 'encryption.passphrase', code: f.code, ...(f.params ? { params: f.params } : {}), message: f.code })));
  return EXIT.invalid;
}

async function cmdPlan(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const p = await prepare(a, cmdline);
  if (!p.ok) return reportNotPrepared(a, t, p);
  if (a.json) jsonLine(p.plan);
  else planLines(t, p.plan).forEach(out);
  return EXIT.ok;
}

/** Names what will be erased and asks; Ctrl-C at the prompt counts as cancelling. */
async function confirm(t: TFunction, p: Extract<Prepared, { ok: true }>): Promise<'yes' | 'no' | 'cancelled'> {
  err(t('cli:confirm.header'));
  effectLines(t, p.plan).forEach((l) => err(l));
  return askYes(t, t('cli:confirm.ask'));
}

async function cmdInstall(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  // A signal before the executor starts has nothing to clean up; during the install it cancels.
  const ac = new AbortController();
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // What an interrupted earlier run left (mounts, loop devices) is released first: it would make the target
    // look in use, or worse, still be writing to it. What cannot be released stops here, named.
    if (process.getuid?.() === 0) {
      const stop = await settleLeftovers(t, a.json, { out, err });
      if (stop !== undefined) return stop;
    }
    const passphrase = a.passphraseStdin
      ? await passphraseFromStdin(t).catch((e: unknown) => {
          if (!(e instanceof SecretCancelled)) throw e;
          err(t('cli:confirm.declined'));
          return EXIT.cancelled;
        })
      : undefined;
    if (typeof passphrase === 'number') return passphrase;
    const p = await prepare(a, cmdline, passphrase);
    if (!p.ok) return reportNotPrepared(a, t, p);
    // Nothing is opened before this: the log may turn out to be the answer file, the target or on the medium.
    checkLogForPlan(p.logPath, p.plan, p.machine, a.config);
    // Little memory, a laptop on its battery: said before anything is asked or written, never a refusal.
    if (!a.json) warningLines(t, machineWarnings(p.machine)).forEach((w) => err(w));
    if (!a.yes) {
      if (!process.stdin.isTTY) {
        err(t('cli:error.notTty'));
        effectLines(t, p.plan).forEach((l) => err(l));
        return EXIT.invalid;
      }
      const answer = await confirm(t, p);
      if (answer !== 'yes') {
        err(t('cli:confirm.declined'));
        return answer === 'cancelled' ? EXIT.cancelled : EXIT.invalid;
      }
    }
    if (signalled) return EXIT.cancelled;
    if (process.getuid?.() !== 0) {
      err(t('cli:error.notRoot'));
      return EXIT.failed;
    }
    const printer = new EventPrinter(t, !!process.stdout.isTTY);
    const onEvent = a.json
      ? (e: InstallEvent) => jsonLine(e)
      : (e: InstallEvent) => {
          const s = printer.print(e);
          if (s) (e.type === 'error' ? process.stderr : process.stdout).write(s);
        };
    const r = await runInstall(p, { onEvent, signal: ac.signal });
    return r.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printHelp(t: TFunction, h: HelpRequest): number {
  out(h.command ? t(`cli:help.${h.command}`) : t('cli:usage'));
  return EXIT.ok;
}

async function cmdServe(a: CliArgs, cmdline: string): Promise<number> {
  const { runServe, RENDERER_DIST } = await import('./serve.ts');
  return runServe({
    port: a.port,
    demo: a.demo,
    cmdline,
    rendererDir: a.renderer ?? RENDERER_DIST,
    ...(a.urlFile ? { urlFile: a.urlFile } : {}),
    ...(a.medium ? { mediumDir: a.medium } : {}),
    ...(a.sysroots ? { sysrootsDir: a.sysroots } : {}),
  });
}

async function cmdAutoinstall(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const { runAutoinstall, DEFAULT_RESULT_DIR } = await import('./autoinstall.ts');
  return runAutoinstall({
    cmdline,
    resultDir: a.resultDir ?? DEFAULT_RESULT_DIR,
    ...(a.source ? { source: a.source } : {}),
    ...(a.medium ? { mediumDir: a.medium } : {}),
    ...(a.sysroots ? { sysrootsDir: a.sysroots } : {}),
  }, t);
}

async function cmdRescue(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const r = await import('./rescue.ts');
  if (a.command === 'systems') return r.cmdSystems(a, t, cmdline);
  if (a.command === 'mount') return r.cmdMount(a, t, cmdline);
  if (a.command === 'shell') return r.cmdShell(a, t, cmdline);
  if (a.command === 'unmount') return r.cmdUnmount(a, t);
  return r.cmdRepair(a, t, cmdline);
}

function dispatch(a: CliArgs, t: TFunction, cmdline: string): Promise<number> | number {
  switch (a.command) {
    case 'schema':
      out(JSON.stringify(answersJsonSchema(), null, 2));
      return EXIT.ok;
    case 'sysroots':
      return cmdSysroots(a, t, cmdline);
    case 'disks':
      return cmdDisks(a, t, cmdline);
    case 'validate':
      return cmdValidate(a, t, cmdline);
    case 'plan':
      return cmdPlan(a, t, cmdline);
    case 'install':
      return cmdInstall(a, t, cmdline);
    case 'serve':
      return cmdServe(a, cmdline);
    case 'autoinstall':
      return cmdAutoinstall(a, t, cmdline);
    case 'cleanup':
      if (process.getuid?.() !== 0) {
        err(t('cli:error.notRootRepair'));
        return EXIT.failed;
      }
      return cmdCleanup(t, a.json, { out, err });
    case 'systems':
    case 'mount':
    case 'shell':
    case 'unmount':
    case 'repair':
      return cmdRescue(a, t, cmdline);
  }
}

/** Every failure is one line in the user's language; the stack only with LIVEKIT_DEBUG=1 (bug reports). */
function reportError(t: TFunction, e: unknown): number {
  if (e instanceof UsageError) {
    err(t(`cli:${e.key}`, e.params));
    err(t('cli:usageHint'));
    return EXIT.invalid;
  }
  if (e instanceof AnswersFileError) {
    const reason = t(`validation:${e.key}`, { ...e.params, defaultValue: e.reason });
    err(e.line > 0 ? t('cli:error.answersFile', { file: e.file, line: e.line, reason }) : t('cli:error.answersFileWhole', { file: e.file, reason }));
    return EXIT.invalid;
  }
  // Only --cmdline-file is read bare (an answer file's problems are AnswersFileErrors).
  if (e instanceof InputFileError) {
    err(t('cli:error.cmdlineFile', { file: e.path, reason: t(`validation:${e.key}`, e.params) }));
    return EXIT.invalid;
  }
  if (e instanceof OutputFileError) {
    err(errorText(t, e));
    return EXIT.invalid;
  }
  if (e instanceof MediumConfigError || e instanceof SysrootsJsonError) {
    err(t('cli:error.medium', { message: e.message }));
    return EXIT.invalid;
  }
  const debug = process.env.LIVEKIT_DEBUG === '1';
  err(t('cli:error.internal', { message: debug ? ((e as Error).stack ?? String(e)) : ((e as Error).message ?? String(e)) }));
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<number> {
  let t: TFunction = engineI18n(cliLanguage(process.env, '')).t;
  try {
    const a = parseCliArgs(argv);
    if ('help' in a) return printHelp(t, a);
    checkPathOptions(a);
    const cmdline = await readCmdline(a.cmdlineFile);
    t = engineI18n(cliLanguage(process.env, cmdline)).t;
    return await dispatch(a, t, cmdline);
  } catch (e) {
    return reportError(t, e);
  }
}

// Run when executed (bin/livekit), not when imported by tests.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/electron\//, '/electron/'))) {
  installLastResort('livekit');
  main(process.argv.slice(2)).then(
    // Exit explicitly once output is flushed: library timers (systeminformation) must not keep us alive.
    (code) => process.stdout.write('', () => process.exit(code)),
    (e: unknown) => {
      process.stderr.write(`livekit: ${(e as Error).message ?? String(e)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
