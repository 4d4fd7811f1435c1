// What the service offers for maintenance (the wizard's "Repair an installed system"), on the engine's
// own rescue code: the systems found, a repair planned and kept under an id (the plan the person saw is
// the plan that runs), run by the install's executor; and a terminal in a system. The demo wraps it.
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import type { InstallEvent } from '../../shared/events.ts';
import type { RepairOutcome, RepairPlan, RepairRequest, TerminalOutcome, UiSystem, UiSystems } from '../../shared/rescue.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { deviceFingerprint } from '../disks/device-fingerprint.ts';
import { FactsCache } from '../disks/facts-cache.ts';
import { findSystems, type Found } from '../app/systems.ts';
import { findSystem } from '../rescue/classify.ts';
import { openTerminal } from '../rescue/terminal.ts';
import type { InstalledSystem } from '../rescue/types.ts';
import { runRepairPlan } from '../rescue/run-repair.ts';
import { planRepair } from '../app/repair.ts';
import { CodedError } from '../run/coded-error.ts';
import { checkPassword } from '../../shared/account-rules.ts';
import type { Finding } from '../../shared/problem.ts';
import { englishMessage } from '../answers/messages.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';

/** Where a repair's log goes inside the repaired system (as `livekit repair` does). */
export const REPAIR_LOG_PATH = '/var/log/livekit-repair.log';

export interface RescuePort {
  systems(): Promise<UiSystems>;
  /** Plans a repair (fsck: after its read-only check) and keeps it under an id. */
  planRepair(req: RepairRequest): Promise<RepairOutcome>;
  /** Before a repair starts: the plan is kept and its system is still there, unmounted; else throws. */
  confirmRepair(planId: string): Promise<{ plan: RepairPlan }>;
  /** Runs a kept repair plan; the password (password repair) only reaches chpasswd's stdin. */
  runRepair(planId: string, opts: { password?: string; signal: AbortSignal; onEvent: (e: InstallEvent) => void }): Promise<{ ok: boolean; cancelled: boolean }>;
  /** Opens MATE's terminal with `livekit shell <system>` in the Live session. */
  terminal(req: { system: string; locale?: string }): Promise<TerminalOutcome>;
}

/** A repair plan id the service does not keep (restarted, or replaced by newer ones). */
export class RepairPlanUnknownError extends CodedError {
  constructor(planId: string) {
    super('plan-unknown', {}, `no repair plan ${planId.slice(0, 12)} is kept`);
    this.name = 'RepairPlanUnknownError';
  }
}

/** The system a plan was made for is gone, or something on its disk is mounted now. */
export class SystemChangedError extends CodedError {
  constructor(system: string) {
    super('system-changed', { system }, `the system ${system} is no longer the one the plan was made for (or something on its disk is mounted now)`);
    this.name = 'SystemChangedError';
  }
}

/**
 * A new password the install's own rule refuses (a line break would give chpasswd a second account line,
 * a NUL would fail it, 512 bytes are past pam_unix): said before anything runs. Its code is the
 * validation key, namespaced (`validation:user.password-chars`).
 */
export class PasswordRefusedError extends CodedError {
  constructor(f: Finding) {
    super(`validation:${f.code}`, f.params ?? {}, `the new password is refused: ${englishMessage(f.code, f.params)}`);
    this.name = 'PasswordRefusedError';
  }
}

/** Throws PasswordRefusedError unless `password` passes shared/account-rules.ts checkPassword. */
export function assertRepairPassword(password: string): void {
  const f = checkPassword(password)[0];
  if (f) throw new PasswordRefusedError(f);
}

export interface RealRescueOptions {
  cmdline: string;
  mediumDir?: string;
  /** Which disks are looked at (the demo: only its own images). Default: all. */
  disks?: (machine: MachineFacts) => DiskInfo[];
  logDir: string;
  /** Parent of the system's mount point while repairing. */
  targetBase: string;
  runner?: CommandRunner;
  /** Gathers the machine's facts (default: collectMachineFacts). */
  collectFacts?: typeof collectMachineFacts;
  /** The cache's change detector (default: deviceFingerprint). */
  fingerprint?: () => Promise<string>;
}

interface Kept {
  plan: RepairPlan;
  root: string;
  needsPassword: boolean;
}

export function uiSystem(s: InstalledSystem, machine: MachineFacts): UiSystem {
  const disk = machine.disks.find((d) => d.path === s.disk);
  return {
    id: s.id,
    name: s.name,
    disk: s.disk,
    ...(disk?.model ? { diskLabel: disk.model } : {}),
    diskBytes: disk?.sizeBytes ?? 0,
    root: { device: s.root.device, fstype: s.root.fstype, ...(s.root.subvol ? { subvol: s.root.subvol } : {}) },
    firmware: s.firmware,
    firmwareMatches: s.firmwareMatches,
    kernels: s.kernels,
    users: s.users,
    problems: s.problems,
    refusals: s.refusals,
  };
}

export class RealRescue implements RescuePort {
  private runner: CommandRunner;
  private kept = new Map<string, Kept>();
  /** The systems found (each volume probed by a read-only mount): one search for all requests. */
  private cache: FactsCache<Found>;
  constructor(private o: RealRescueOptions) {
    this.runner = o.runner ?? new ExecaRunner();
    const collect = o.collectFacts ?? collectMachineFacts;
    this.cache = new FactsCache({
      collect: async () => {
        const machine = await collect({ cmdline: o.cmdline, ...(o.mediumDir ? { mediumDir: o.mediumDir } : {}) });
        if (o.disks) machine.disks = o.disks(machine);
        return findSystems({ cmdline: o.cmdline, machine });
      },
      fingerprint: o.fingerprint ?? (() => deviceFingerprint()),
    });
  }

  /** Cached while no device changes; `fresh` (a repair planned or about to run) searched after the call. */
  private find(fresh = false): Promise<Found> {
    return this.cache.get({ fresh });
  }

  async systems(): Promise<UiSystems> {
    const found = await this.find();
    return { systems: found.systems.map((s) => uiSystem(s, found.machine)), others: found.others };
  }


  async planRepair(req: RepairRequest): Promise<RepairOutcome> {
    const found = await this.find(true);
    const sys = findSystem(found, req.system);
    if (!sys) throw new CodedError('no-system', { system: req.system }, `no installed system ${req.system}`);
    if (sys.refusals.length) return { ok: false, problems: [], refusals: sys.refusals };
    const targetRoot = join(this.o.targetBase, `livekit-repair-${randomUUID().slice(0, 8)}`);
    const { planned: r, fsck } = await planRepair(found, sys, { kind: req.repair, ...(req.user !== undefined ? { user: req.user } : {}) }, targetRoot, REPAIR_LOG_PATH);
    if (!r.ok) return { ok: false, problems: r.problems, refusals: [], ...(fsck ? { fsck } : {}) };
    const planId = randomUUID();
    this.kept.set(planId, { plan: r.plan, root: sys.root.device, needsPassword: req.repair === 'password' });
    while (this.kept.size > 8) this.kept.delete(this.kept.keys().next().value!);
    return { ok: true, plan: r.plan, planId, ...(fsck ? { fsck } : {}) };
  }

  private get(planId: string): Kept {
    const k = this.kept.get(planId);
    if (!k) throw new RepairPlanUnknownError(planId);
    return k;
  }

  async confirmRepair(planId: string): Promise<{ plan: RepairPlan }> {
    const k = this.get(planId);
    const found = await this.find(true);
    const sys = findSystem(found, k.plan.system.id);
    if (!sys || sys.root.device !== k.root || sys.refusals.length > 0) throw new SystemChangedError(k.plan.system.id);
    return { plan: k.plan };
  }

  async runRepair(planId: string, opts: { password?: string; signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    const k = this.get(planId);
    if (k.needsPassword) assertRepairPassword(opts.password ?? '');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let r: Awaited<ReturnType<typeof runRepairPlan>>;
    try {
      r = await runRepairPlan(k.plan, {
        runner: this.runner,
        secrets: k.needsPassword ? { 'user.password': opts.password! } : {},
        signal: opts.signal,
        onEvent: opts.onEvent,
        logFile: join(this.o.logDir, `livekit-repair-${k.plan.repair}-${stamp}.log`),
      });
    } finally {
      this.cache.invalidate(); // the system was (maybe) written: the next search looks again
    }
    await rmdir(k.plan.targetRoot).catch(() => {}); // only when empty, i.e. released
    this.kept.delete(planId); // a repair runs once; a second needs a new plan (the system has changed)
    return { ok: r.ok, cancelled: r.cancelled };
  }

  async terminal(req: { system: string; locale?: string }): Promise<TerminalOutcome> {
    const found = await this.find();
    const sys = findSystem(found, req.system);
    if (!sys) throw new CodedError('no-system', { system: req.system }, `no installed system ${req.system}`);
    return openTerminal(this.runner, { systemId: sys.id, title: `${sys.name} (${sys.id})`, ...(req.locale ? { locale: req.locale } : {}) });
  }
}
