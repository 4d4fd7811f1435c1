// Runs a Plan step by step, each action by its handler (exec/handlers.ts). Everything it mounts or attaches
// is held on a stack (held-stack.ts), written into the run's journal before it is taken, and released in
// reverse at the plan's `release` actions, and also on any failure or cancel, so a rerun works without a
// reboot; a run killed outright leaves its journal for the next run to release. An exception in an event
// handler or a command's line handler fails the install like any other error; a write the target refuses
// (full, failing, read-only) is said as such.
import { appendFileSync, closeSync } from 'node:fs';
import { CodedError } from './coded-error.ts';
import type { ExecutablePlan, Plan, StepId } from '../../shared/plan.ts';
import type { InstallEvent } from '../../shared/events.ts';
import { CommandError, type CommandRunner } from './runner.ts';
import { secretValues, type Secrets } from '../../shared/secrets.ts';
import type { Copier } from './copier.ts';
import { redact, redactEvent } from './redact.ts';
import { OverallProgress } from './overall-progress.ts';
import { openLog } from './output-file.ts';
import { HeldStack } from './held-stack.ts';
import { defaultHeldDir, HeldJournal } from './held-journal.ts';
import { startTimeOf } from './process-identity.ts';
import { asTargetWriteError, TargetWriteError } from './target-errors.ts';
import type { ExecContext, RunExtra, StepContext } from './exec/context.ts';
import { TargetDevices } from './exec/devices.ts';
import { FailedCheckError, perform } from './exec/handlers.ts';


export interface ExecuteOptions {
  runner: CommandRunner;
  secrets: Secrets;
  signal?: AbortSignal;
  onEvent: (e: InstallEvent) => void;
  /** Every event is appended here as one JSON line (secret-free); `save-log` copies it into the target. */
  logFile: string;
  /** The copy stage; by default the plan's copy method picks it (benchmarks and failure injection replace it). */
  copier?: Copier;
  /** How long settle-partitions waits for partition nodes (no udev here). */
  settleTimeoutMs?: number;
  /** Where the run's journal of held things goes (default /run/livekit/held); null: none (dry runs). */
  heldDir?: string | null;
  /** The plan's `verify-target`: throws when the target is no longer the disk or file planned for. */
  verifyTargets?: () => Promise<void>;
  /** Lines logged after the plan, before the first step (an install's effects, in words). */
  preface?: string[];
}

export interface ExecuteResult {
  ok: boolean;
  cancelled: boolean;
  failedStep?: StepId;
}

class Cancelled extends Error {}

export async function execute(plan: ExecutablePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const secrets = secretValues(opts.secrets);
  const clean = (s: string) => redact(s, secrets);
  const overall = new OverallProgress(plan.steps.map((s) => s.weight));

  // A new file or an existing LiveKit log appended to, never truncated; anything else throws, untouched.
  // What needs the plan (the answer file, a target, the medium) the caller checked before confirming.
  const logOut = openLog(opts.logFile);
  // A failing event sink (a subscriber's bug, a full log disk) fails the install: the first such error is
  // kept, the running command is stopped through `signal`, and the next check throws it.
  const failing = new AbortController();
  let sinkError: Error | null = null;
  const signal = opts.signal ? AbortSignal.any([opts.signal, failing.signal]) : failing.signal;
  const emit = (event: InstallEvent) => {
    // Events are built from secret-free data, but command output could echo a secret: redact free text.
    const e = redactEvent(event, secrets);
    try {
      appendFileSync(logOut.fd, `${JSON.stringify(e)}\n`);
      opts.onEvent(e);
    } catch (err) {
      if (sinkError) return;
      sinkError = err instanceof Error ? err : new Error(String(err));
      failing.abort();
    }
  };
  const log = (message: string, level: 'info' | 'warn' | 'debug' = 'info') => emit({ type: 'log', level, message });
  const checkCancel = () => {
    if (sinkError) throw sinkError;
    if (opts.signal?.aborted) throw new Cancelled();
  };

  const what = `${isInstallPlan(plan) ? 'install' : 'run'} to ${plan.erase?.path ?? plan.targetRoot}`;
  const heldDir = opts.heldDir === undefined ? defaultHeldDir() : opts.heldDir;
  // Every command, the copier's too, is noted in the journal while it runs: its process group may outlive a
  // killed engine (it runs detached) and go on writing into the target.
  const runner: CommandRunner = {
    run: async (argv, o = {}) => {
      let forget = () => {};
      try {
        return await opts.runner.run(argv, {
          ...o,
          onSpawn: (pid) => {
            o.onSpawn?.(pid);
            forget = held.noteProcess(pid, startTimeOf(pid) ?? '0', argv.join(' ').slice(0, 120));
          },
        });
      } finally {
        forget();
      }
    },
  };
  const run = async (argv: string[], extra: RunExtra = {}) => {
    log(`$ ${argv.map(quoteForLog).join(' ')}`);
    return runner.run(argv, {
      ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
      ...(extra.env ? { env: extra.env } : {}),
      ...(extra.okExitCodes ? { okExitCodes: extra.okExitCodes } : {}),
      ...(extra.abortable !== false ? { signal } : {}),
      onLine: (line) => log(line, 'debug'),
    });
  };
  const held = new HeldStack((argv, extra) => run(argv, { ...extra, abortable: false }), log, heldDir === null ? undefined : new HeldJournal(heldDir, what), what);
  const ctx: ExecContext = {
    plan,
    devices: new TargetDevices(plan),
    held,
    run,
    runner,
    signal,
    log,
    secret: (ref) => {
      const v = opts.secrets[ref];
      if (v === undefined) throw new Error(`The plan needs ${ref} but none was given`);
      return v;
    },
    logOut,
    ...(opts.copier ? { copier: opts.copier } : {}),
    ...(opts.verifyTargets ? { verifyTargets: opts.verifyTargets } : {}),
    ...(opts.settleTimeoutMs !== undefined ? { settleTimeoutMs: opts.settleTimeoutMs } : {}),
  };

  // An install's plan opens its log (QA and the tests read it there); a repair's caller prints its own.
  if (isInstallPlan(plan)) emit({ type: 'plan', plan });
  for (const line of opts.preface ?? []) log(line);
  let current: StepId | undefined;
  try {
    for (const [index, step] of plan.steps.entries()) {
      checkCancel();
      current = step.id;
      const label = step.label;
      emit({ type: 'step', step: step.id, label, index, count: plan.steps.length, state: 'start' });
      const stepCtx: StepContext = {
        id: step.id,
        setFraction: (f) => overall.setStep(index, f),
        progress: (p) => emit({ type: 'progress', step: step.id, ...p, percent: overall.percent }),
      };
      for (const a of step.actions) {
        checkCancel();
        await perform(a, ctx, stepCtx).catch((e: unknown) => {
          throw asTargetWriteError(e) ?? e;
        });
        checkCancel();
      }
      overall.setStep(index, 1);
      emit({ type: 'step', step: step.id, label, index, count: plan.steps.length, state: 'done' });
      emit({ type: 'progress', step: step.id, bytes: 0, total: 0, rate: 0, eta: null, percent: overall.percent });
    }
    current = undefined;
    if (sinkError) throw sinkError;
    held.close();
    emit({ type: 'done', ok: true, logPath: opts.logFile });
    closeSync(logOut.fd);
    return { ok: true, cancelled: false };
  } catch (thrown) {
    // A failing sink is the cause even when what surfaced is the command it stopped.
    const e = sinkError ?? thrown;
    const cancelled = !sinkError && (e instanceof Cancelled || (e instanceof CommandError && e.aborted) || !!opts.signal?.aborted);
    const step = plan.steps.find((s) => s.id === current);
    if (step) {
      emit({ type: 'step', step: step.id, label: step.label, index: plan.steps.indexOf(step), count: plan.steps.length, state: 'failed' });
    }
    if (cancelled) emit({ type: 'cancelled' });
    else emit(errorEvent(e, current ?? null, clean));
    await held.release();
    held.close();
    emit({ type: 'done', ok: false, logPath: opts.logFile });
    closeSync(logOut.fd);
    return { ok: false, cancelled, ...(current ? { failedStep: current } : {}) };
  }
}

/** The error event for a failure: its message, its code and params for the UI, the command and its output. */
function errorEvent(e: unknown, step: StepId | null, clean: (s: string) => string): InstallEvent {
  const err: Extract<InstallEvent, { type: 'error' }> = { type: 'error', step, message: clean((e as Error).message) };
  if (e instanceof CodedError) {
    err.code = e.code;
    err.params = Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, typeof v === 'string' ? clean(v) : v]));
  }
  const command = e instanceof CommandError ? e : e instanceof TargetWriteError || e instanceof FailedCheckError ? e.command : undefined;
  if (command) {
    err.command = command.argv.map(clean);
    err.stderrTail = clean(command.stderrTail);
  }
  return err;
}

function isInstallPlan(p: ExecutablePlan): p is Plan {
  return 'variant' in p;
}

function quoteForLog(a: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
