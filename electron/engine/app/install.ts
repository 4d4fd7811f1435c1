// The application layer's install, the one orchestration the CLI, the service and autoinstall all call:
// answers → validated answers + machine facts + sysroot → Plan (or problems / refusals with the exit code),
// then the executor. Effects are gathered here; the decisions stay in the pure planner and validators.
import { randomUUID } from 'node:crypto';
import { rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answers } from '../../shared/answers.ts';
import type { MachineFacts, Refusal, SysrootInfo } from '../../shared/facts.ts';
import type { Plan } from '../../shared/plan.ts';
import type { InstallEvent } from '../../shared/events.ts';
import type { Problem } from '../answers/validate.ts';
import { validateAnswers } from '../answers/validate.ts';
import { localeFromCmdline } from '../answers/locale.ts';
import { machineFacts, sysrootsOf } from './facts.ts';
import { describeImage } from '../disks/image.ts';
import { detectCopyMethod } from '../run/layer-stack.ts';
import { plan as makePlan } from '../plan/plan.ts';
import { touchedDevices } from '../plan/effects.ts';
import { withPassphraseFile } from '../answers/passphrase-file.ts';
import { effectLine } from '../../shared/effects-text.ts';
import { fixedT } from '../i18n.ts';
import { formatSize } from '../answers/size.ts';
import { execute, type ExecuteResult } from '../run/executor.ts';
import { secretsOf, type Secrets } from '../../shared/secrets.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';
import type { Copier } from '../run/copier.ts';
import { CodedError } from '../run/coded-error.ts';
import { readDiskIdentity } from '../disks/identity.ts';
import { deviceChanges, identityChanges, type DiskIdentity, type IdentityField } from '../disks/identity-diff.ts';
import { diskUsers, imageUsers, scanOpenFiles } from '../disks/in-use.ts';
import { inUseBy } from '../disks/safety.ts';
import { lockTargets, TargetBusyError } from '../run/target-lock.ts';
import type { InUse } from '../../shared/facts.ts';

/** Exit codes of `livekit` (issue #2): QA's scripts depend on them. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, refused: 3, cancelled: 130 } as const;

export interface PrepareOptions {
  mediumDir?: string;
  sysrootsDir?: string;
  /** The kernel command line (from /proc/cmdline or --cmdline-file). */
  cmdline: string;
  /** Language for sysroot titles; default from LANG= on the cmdline. */
  lang?: string;
  /** Where the engine's own log goes (beside the engine); the plan copies it into the target. */
  logPath?: string;
  /** Parent directory of the target root mount point (default: the system's temp dir). */
  targetBase?: string;
  /** Machine facts already collected (tests, the service); collected here otherwise. */
  machine?: MachineFacts;
}

export type Prepared =
  | {
      ok: true;
      exitCode: 0;
      answers: Answers;
      machine: MachineFacts;
      sysroot: SysrootInfo;
      plan: Plan;
      secrets: Secrets;
      logPath: string;
      /** What each disk the plan writes to was when the plan was made: re-read before the first write. */
      targets: DiskIdentity[];
    }
  | {
      ok: false;
      /** 2: invalid answers or medium; 3: a target refused by a safety rule. */
      exitCode: 2 | 3;
      problems: Problem[];
      refusals: { disk: string; refusals: Refusal[] }[];
    };

/** Where the log ends up in the installed system (issue #2). */
export const TARGET_LOG_PATH = '/var/log/livekit-installer.log';

export function defaultLogPath(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = process.getuid?.() === 0 ? '/var/log/livekit' : join(tmpdir(), 'livekit');
  return join(dir, `install-${stamp}.log`);
}

/** An image file named as the target (or the disk holding an existing partition) joins the machine's disks. */
async function withTargetImage(machine: MachineFacts, raw: unknown): Promise<MachineFacts> {
  const disk = (raw as { target?: { disk?: unknown } } | null)?.target?.disk;
  if (typeof disk !== 'string' || machine.disks.some((d) => d.path === disk)) return machine;
  const st = await stat(disk).catch(() => null);
  if (!st?.isFile()) return machine;
  return { ...machine, disks: [...machine.disks, await describeImage(disk)] };
}

export async function prepareInstall(given: unknown, opts: PrepareOptions): Promise<Prepared> {
  // A passphrase file is read here (root's alone, or refused); the passphrase stays in memory from then on.
  const pf = await withPassphraseFile(given);
  if (!pf.ok) return { ok: false, exitCode: EXIT.invalid, problems: pf.problems, refusals: [] };
  const raw = pf.raw;
  const machine = await withTargetImage(opts.machine ?? (await machineFacts(opts)), raw);
  const sysroots = await sysrootsOf(opts, machine, opts.lang ?? localeFromCmdline(opts.cmdline) ?? 'en');
  const v = validateAnswers(raw, { sysroots, cmdline: opts.cmdline });
  if (!v.ok) return { ok: false, exitCode: EXIT.invalid, problems: v.problems, refusals: [] };
  const listed = sysroots.find((s) => s.name === v.answers.variant);
  if (!listed) {
    // validateAnswers already refuses unknown variants; this guards the lookup.
    const problem: Problem = { path: 'variant', code: 'variant.unknown', params: { variant: v.answers.variant, installable: '' }, message: `Unknown variant ${v.answers.variant}` };
    return { ok: false, exitCode: EXIT.invalid, problems: [problem], refusals: [] };
  }
  // The layer stack behind the chosen sysroot, from the mount table: the copy step unpacks it when it can.
  const sysroot: SysrootInfo = { ...listed, copyMethod: listed.copyMethod ?? detectCopyMethod(listed.path) };
  const logPath = opts.logPath ?? defaultLogPath();
  const targetRoot = join(opts.targetBase ?? tmpdir(), `livekit-target-${randomUUID().slice(0, 8)}`);
  const r = makePlan(v.answers, machine, sysroot, { targetRoot, newUuid: () => randomUUID(), logPath: TARGET_LOG_PATH });
  if (!r.ok) {
    const refused = r.refusals.some((x) => x.refusals.length > 0);
    return { ok: false, exitCode: refused ? EXIT.refused : EXIT.invalid, problems: r.problems, refusals: r.refusals };
  }
  const targets = await Promise.all(targetDevices(r.plan).map((d) => readDiskIdentity(d)));
  return { ok: true, exitCode: 0, answers: v.answers, machine, sysroot, plan: r.plan, secrets: secretsOf(v.answers), logPath, targets };
}

/** The devices the plan's effects touch: re-read before the first write, locked, checked for users. */
function targetDevices(plan: Plan): string[] {
  return touchedDevices(plan.effects);
}

/** The target is no longer the disk the plan was confirmed for. */
export class TargetChangedError extends CodedError {
  constructor(
    readonly disk: string,
    readonly changes: IdentityField[],
  ) {
    super('target-changed', { disk, changes: changes.join(', ') }, `${disk} is no longer the disk the plan was made for (changed: ${changes.join(', ')}); nothing was written`);
    this.name = 'TargetChangedError';
  }
}

/** Re-reads each target; the first whose identity `diff` finds changed is thrown as `fail` says. */
async function checkTargets(prepared: Extract<Prepared, { ok: true }>, diff: typeof identityChanges, fail: new (disk: string, changes: IdentityField[]) => Error): Promise<void> {
  for (const confirmed of prepared.targets) {
    const changes = diff(confirmed, await readDiskIdentity(confirmed.path));
    if (changes.length > 0) throw new fail(confirmed.path, changes);
  }
}

/** Before the first write: throws TargetChangedError when a target is not the disk the plan was made for. */
export function checkTargetsUnchanged(prepared: Extract<Prepared, { ok: true }>): Promise<void> {
  return checkTargets(prepared, identityChanges, TargetChangedError);
}

/** The target went away, or another device or file stands at its path now, after the install wrote to it. */
export class TargetVanishedError extends CodedError {
  constructor(
    readonly disk: string,
    readonly changes: IdentityField[],
  ) {
    super('target-vanished', { disk, changes: changes.join(', ') }, `${disk} is no longer the disk being installed to (changed: ${changes.join(', ')}): it was removed or replaced while installing`);
    this.name = 'TargetVanishedError';
  }
}

/** The plan's `verify-target`: each target is still the device or file written to (its table and filesystems are ours now). */
export function checkTargetsStillThere(prepared: Extract<Prepared, { ok: true }>): Promise<void> {
  return checkTargets(prepared, deviceChanges, TargetVanishedError);
}

/** Something started using a target between the plan and its run (a loop device, another program). */
export class TargetInUseError extends CodedError {
  constructor(
    readonly disk: string,
    readonly users: InUse[],
  ) {
    const by = users.map(inUseBy).join(', ');
    super('target-in-use', { disk, by }, `${disk} is in use (${by}); nothing was written`);
    this.name = 'TargetInUseError';
  }
}

/** Who uses each target now: for an image, loops and processes; for a disk, processes and stacked devices. */
async function checkTargetsFree(prepared: Extract<Prepared, { ok: true }>): Promise<void> {
  const open = scanOpenFiles();
  const plan = prepared.plan;
  if (plan.erase?.image) {
    const users = await imageUsers(plan.erase.path, open);
    if (users.length) throw new TargetInUseError(plan.erase.path, users);
    return;
  }
  for (const path of targetDevices(plan)) {
    const disk = prepared.machine.disks.find((d) => d.path === path || d.partitions.some((p) => p.path === path));
    const all = diskUsers(disk ?? { path, partitions: [] }, open);
    // An erased disk: whoever uses any of its partitions. Otherwise only the partition itself or the whole disk.
    const users = plan.erase?.path === path ? all : all.filter((u) => u.device === path || u.device === disk?.path);
    if (users.length) throw new TargetInUseError(path, users);
  }
}

/** The refusals a run meets at its start, before any write: said like a changed target (exit 3). */
const REFUSED_AT_START = [TargetChangedError, TargetBusyError, TargetInUseError];

export interface RunInstallOptions {
  onEvent: (e: InstallEvent) => void;
  signal?: AbortSignal;
  runner?: CommandRunner;
  copier?: Copier;
}

/**
 * Runs a prepared plan; the target's mount point is removed afterwards when it is empty. First the targets
 * are locked (one run per disk, across processes) and re-read: a disk another run is writing, that is no
 * longer the one planned for, or that something else started using, is refused (exit 3), nothing written.
 */
export async function runInstall(prepared: Extract<Prepared, { ok: true }>, opts: RunInstallOptions): Promise<ExecuteResult & { exitCode: number }> {
  let locks: Awaited<ReturnType<typeof lockTargets>> | undefined;
  try {
    locks = await lockTargets(targetDevices(prepared.plan), `install to ${targetDevices(prepared.plan).join(' ')}`);
    await checkTargetsUnchanged(prepared);
    await checkTargetsFree(prepared);
  } catch (e) {
    await locks?.release();
    if (!REFUSED_AT_START.some((k) => e instanceof k)) throw e;
    const c = e as CodedError;
    opts.onEvent({ type: 'error', step: null, message: c.message, code: c.code, params: c.params });
    opts.onEvent({ type: 'done', ok: false });
    return { ok: false, cancelled: false, exitCode: EXIT.refused };
  }
  try {
    const r = await execute(prepared.plan, {
      runner: opts.runner ?? new ExecaRunner(),
      secrets: prepared.secrets,
      onEvent: opts.onEvent,
      logFile: prepared.logPath,
      verifyTargets: () => checkTargetsStillThere(prepared),
      preface: prepared.plan.effects.map((e) => `effect: ${effectLine(fixedT('en'), e, formatSize)}`),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.copier ? { copier: opts.copier } : {}),
    });
    await rmdir(prepared.plan.targetRoot).catch(() => {}); // only succeeds when empty, i.e. unmounted
    const exitCode = r.ok ? EXIT.ok : r.cancelled ? EXIT.cancelled : EXIT.failed;
    return { ...r, exitCode };
  } finally {
    await locks.release();
  }
}
