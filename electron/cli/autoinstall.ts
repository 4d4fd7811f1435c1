// `livekit autoinstall [--source SPEC] [--result-dir DIR]`: QA's unattended install at boot. The answers
// come from `livekit.autoinstall=` on the kernel command line (or --source); the install runs as
// `install --yes --json` would (JSON events on stdout, progress for a person on stderr); then the result
// (exit code, last event, timings, what happens next) is printed on the console as one tagged line and
// written to --result-dir and, for LABEL= sources, beside the answers on that volume.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TFunction } from 'i18next';
import { parseAnswersText, AnswersFileError } from '../engine/answers/load.ts';
import { machineFacts, sysrootsOf } from '../engine/app/facts.ts';
import { EXIT, prepareInstall, runInstall } from '../engine/app/install.ts';
import { DEFAULT_MEDIUM_DIR } from '../engine/medium/sysroots.ts';
import { requiredBytes } from '../engine/disks/safety.ts';
import type { MachineFacts } from '../shared/facts.ts';
import type { InstallEvent } from '../shared/events.ts';
import { describeSource, fetchAnswers, FetchError, withLabelVolume } from '../engine/autoinstall/fetch.ts';
import { chooseDisk } from '../engine/autoinstall/pick-disk.ts';
import { afterAction, RESULT_FILE, RESULT_TAG, type AfterAction, type AutoinstallResult } from '../engine/autoinstall/result.ts';
import { autoinstallSpec, parseSource, SourceError, type AnswersSource } from '../engine/autoinstall/source.ts';
import { EventPrinter, problemLine, refusalLines } from './render.ts';
import { releaseLeftoversSaid } from './leftovers.ts';
import { UsageError } from './args.ts';
import { checkLogForPlan } from './paths.ts';
import { OutputFileError, replaceFile } from '../engine/run/output-file.ts';
import { isAfterFile, isAutoinstallResult, isLiveKitLog } from '../engine/run/output-rules.ts';
import { errorText } from '../engine/run/coded-error.ts';

export interface AutoinstallArgs {
  cmdline: string;
  source?: string;
  mediumDir?: string;
  sysrootsDir?: string;
  resultDir: string;
}

export const DEFAULT_RESULT_DIR = '/run/livekit/autoinstall';

interface Outcome {
  exitCode: number;
  message: string | null;
  answers: { variant?: string; after?: AfterAction; 'poweroff-on-error'?: boolean } | null;
  disk: string | null;
  lastEvent: InstallEvent | null;
  installSeconds: number | null;
}

const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

/** The smallest disk the answers' variant fits on (no swap), or null when the variant is not on the medium. */
async function variantNeed(a: AutoinstallArgs, raw: unknown, machine: MachineFacts): Promise<number | null> {
  const variant = (raw as { variant?: unknown } | null)?.variant;
  // prepareInstall lists them again and reports the warnings once.
  const sysroots = await sysrootsOf(a, machine, 'en', () => {});
  const sysroot = sysroots.find((s) => s.name === variant);
  return sysroot ? requiredBytes(sysroot, 0, machine.firmware) : null;
}

/** Reads, checks and runs; every way out is an Outcome (nothing here decides what the machine does). */
async function attempt(a: AutoinstallArgs, t: TFunction, source: AnswersSource, logPath: string): Promise<Outcome> {
  const none = { answers: null, disk: null, lastEvent: null, installSeconds: null };
  let raw: unknown;
  let answersDevice: string | undefined;
  try {
    const fetched = await fetchAnswers(source, a.mediumDir ?? DEFAULT_MEDIUM_DIR);
    answersDevice = fetched.device;
    raw = parseAnswersText(fetched.text, describeSource(source));
  } catch (e) {
    if (e instanceof FetchError || e instanceof AnswersFileError) return { ...none, exitCode: EXIT.invalid, message: e.message };
    throw e;
  }
  const answers = (typeof raw === 'object' && raw !== null ? raw : null) as Outcome['answers'];
  // A unit restarted after a killed run: what that run left is released before the disks are looked at.
  const settled = await releaseLeftoversSaid(t);
  settled.lines.released.forEach((l) => err(t('cli:install.warn', { message: l })));
  if (settled.notReleased.length) return { ...none, answers, exitCode: EXIT.refused, message: [...settled.lines.notReleased, t('cli:leftovers.hint')].join('\n') };
  const machine = await machineFacts(a);
  const choice = chooseDisk(raw, machine, answersDevice ? [answersDevice] : [], await variantNeed(a, raw, machine));
  if (!choice.ok) {
    const message = choice.reason === 'no-candidate' ? t('cli:autoinstall.noCandidate') : t('cli:autoinstall.severalCandidates', { disks: choice.candidates.join(', ') });
    return { ...none, answers, exitCode: EXIT.refused, message };
  }
  const target = (raw as { target?: object }).target ?? {};
  const chosen = choice.named ? raw : { ...(raw as object), target: { ...target, disk: choice.disk } };
  if (!choice.named) err(t('cli:autoinstall.picked', { disk: choice.disk }));
  const p = await prepareInstall(chosen, {
    cmdline: a.cmdline, logPath, machine,
    ...(a.mediumDir ? { mediumDir: a.mediumDir } : {}),
    ...(a.sysrootsDir ? { sysrootsDir: a.sysrootsDir } : {}),
  });
  if (!p.ok) {
    const lines = [...p.problems.map((x) => problemLine(t, x)), ...(p.refusals.some((r) => r.refusals.length) ? refusalLines(t, p.refusals) : [])];
    return { ...none, answers, disk: choice.disk || null, exitCode: p.exitCode, message: lines.join('\n').trim() };
  }
  try {
    checkLogForPlan(logPath, p.plan, p.machine, undefined);
  } catch (e) {
    if (!(e instanceof OutputFileError)) throw e;
    return { ...none, answers, disk: choice.disk || null, exitCode: EXIT.invalid, message: errorText(t, e) };
  }
  const printer = new EventPrinter(t, false);
  let lastEvent = null as InstallEvent | null;
  const onEvent = (e: InstallEvent) => {
    lastEvent = e;
    process.stdout.write(`${JSON.stringify(e)}\n`);
    const s = printer.print(e);
    if (s) process.stderr.write(s);
  };
  const ac = new AbortController();
  const cancel = () => ac.abort();
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  const started = Date.now();
  try {
    const r = await runInstall(p, { onEvent, signal: ac.signal });
    return { answers, disk: choice.disk || null, lastEvent, exitCode: r.exitCode, message: null, installSeconds: (Date.now() - started) / 1000 };
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** The result, everywhere QA may look: the console (stdout), the result folder, the answers volume. */
async function publish(result: AutoinstallResult, source: AnswersSource | null, resultDir: string, logPath: string): Promise<void> {
  const json = `${JSON.stringify(result)}\n`;
  process.stdout.write(`${RESULT_TAG} ${json}`);
  // Each file replaced only when it is one of ours (an earlier run's), never written through a link; a
  // refused one is said and skipped: the install's exit code stays what it was.
  await mkdir(resultDir, { recursive: true });
  for (const [name, text, ours] of [[RESULT_FILE, json, isAutoinstallResult], ['after', `${result.after}\n`, isAfterFile]] as const) {
    try {
      replaceFile(join(resultDir, name), text, ours);
    } catch (e) {
      if (!(e instanceof OutputFileError)) throw e;
      err(`livekit autoinstall: ${e.message}`);
    }
  }
  if (source?.kind !== 'label') return;
  const log = await readFile(logPath).catch(() => null);
  await withLabelVolume(source.label, 'rw', async (dir) => {
    replaceFile(join(dir, RESULT_FILE), json, isAutoinstallResult);
    if (log) replaceFile(join(dir, 'livekit-install.log'), log, isLiveKitLog, { mode: 0o600 });
  }).catch((e: Error) => err(`livekit autoinstall: cannot write the result to LABEL=${source.label}: ${e.message}`));
}

export async function runAutoinstall(a: AutoinstallArgs, t: TFunction): Promise<number> {
  const spec = a.source ?? autoinstallSpec(a.cmdline);
  if (!spec) throw new UsageError('error.noAutoinstall');
  const startedAt = new Date();
  await mkdir(a.resultDir, { recursive: true });
  const logPath = join(a.resultDir, 'install.log');
  let source: AnswersSource | null = null;
  let outcome: Outcome;
  try {
    source = parseSource(spec);
    outcome = await attempt(a, t, source, logPath);
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    outcome = { exitCode: EXIT.invalid, message: e.message, answers: null, disk: null, lastEvent: null, installSeconds: null };
  }
  if (outcome.message) err(outcome.message);
  const result: AutoinstallResult = {
    exitCode: outcome.exitCode,
    source: spec,
    variant: outcome.answers?.variant ?? null,
    disk: outcome.disk,
    lastEvent: outcome.lastEvent,
    message: outcome.message,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    installSeconds: outcome.installSeconds,
    after: afterAction(outcome.exitCode, outcome.answers),
  };
  await publish(result, source, a.resultDir, logPath);
  err(t('cli:autoinstall.done', { code: result.exitCode, after: result.after }));
  return result.exitCode;
}
