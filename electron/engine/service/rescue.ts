// What the service offers for maintenance (the wizard's "Repair an installed system"), on the engine's
// own rescue code: the systems found, a repair planned and kept under an id (the plan the person saw is
// the plan that runs), run by the install's executor; and a terminal in a system. The demo wraps it. A
// locked (LUKS) system is unlocked with its passphrase for a read-only look inside; the passphrase comes
// with each call that needs it (unlock, plan, repair) and is never kept: the renderer holds it meanwhile.
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import type { InstallEvent } from '../../shared/events.ts';
import type { LockedVolume, RepairOutcome, RepairPlan, RepairRequest, TerminalOutcome, UiLocked, UiSystem, UiSystems } from '../../shared/rescue.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { deviceFingerprint } from '../disks/device-fingerprint.ts';
import { FactsCache } from '../disks/facts-cache.ts';
import { findSystems, unlockSystem, type Found } from '../app/systems.ts';
import { findLocked, findSystem } from '../rescue/classify.ts';
import { openTerminal } from '../rescue/terminal.ts';
import type { InstalledSystem } from '../rescue/types.ts';
import { runRepairPlan } from '../rescue/run-repair.ts';
import { PassphraseNeededError, planRepair } from '../app/repair.ts';
import { CodedError } from '../run/coded-error.ts';
import { checkPassword } from '../../shared/account-rules.ts';
import type { Finding } from '../../shared/problem.ts';
import { englishMessage } from '../answers/messages.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';

/** Where a repair's log goes inside the repaired system (as `livekit repair` does). */
export const REPAIR_LOG_PATH = '/var/log/livekit-repair.log';

export interface RescuePort {
  systems(): Promise<UiSystems>;
  /** A locked system's inside, looked at read-only with its passphrase (closed again); throws on a wrong one. */
  unlock(req: { system: string; passphrase: string }): Promise<UiSystem>;
  /** Plans a repair (fsck: after its read-only check) and keeps it under an id; a locked system's needs its passphrase. */
  planRepair(req: RepairRequest): Promise<RepairOutcome>;
  /** Before a repair starts: the plan is kept and its system is still there, unmounted; else throws. */
  confirmRepair(planId: string): Promise<{ plan: RepairPlan }>;
  /** Runs a kept repair plan; the password only reaches chpasswd's stdin, the passphrase cryptsetup's. */
  runRepair(planId: string, opts: { password?: string; passphrase?: string; signal: AbortSignal; onEvent: (e: InstallEvent) => void }): Promise<{ ok: boolean; cancelled: boolean }>;
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
  /** An encrypted system's container (its plan opens it): the same device and LUKS UUID must be there to run. */
  luks?: { device: string; uuid: string };
}

/** True when the plan opens a container (its passphrase is needed to run it). */
export function opensContainer(plan: RepairPlan): boolean {
  return plan.steps.some((s) => s.actions.some((a) => a.kind === 'open-luks'));
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
    ...(s.luks ? { encrypted: { device: s.luks.device } } : {}),
  };
}

export function uiLocked(l: LockedVolume, machine: MachineFacts): UiLocked {
  const disk = machine.disks.find((d) => d.path === l.disk);
  return { ...l, ...(disk?.model ? { diskLabel: disk.model } : {}), diskBytes: disk?.sizeBytes ?? 0 };
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
    return { systems: found.systems.map((s) => uiSystem(s, found.machine)), locked: found.locked.map((l) => uiLocked(l, found.machine)), others: found.others };
  }

  /** The system inside a locked volume that can be opened now (fresh facts); throws the engine's coded errors. */
  private async unlocked(found: Found, system: string, passphrase: string | undefined) {
    const locked = findLocked(found, system);
    if (!locked) throw new CodedError('no-system', { system }, `no installed system ${system}`);
    if (locked.refusals.length) return { locked, refusals: locked.refusals };
    if (passphrase === undefined) throw new PassphraseNeededError(system);
    return { locked, sys: await unlockSystem(found, locked, passphrase, { runner: this.runner }) };
  }

  async unlock(req: { system: string; passphrase: string }): Promise<UiSystem> {
    const found = await this.find(true);
    const u = await this.unlocked(found, req.system, req.passphrase);
    // Its disk is in use now (or holds the medium): the list shows why; nothing is opened.
    if (!u.sys) throw new SystemChangedError(req.system);
    return uiSystem(u.sys, found.machine);
  }


  async planRepair(req: RepairRequest): Promise<RepairOutcome> {
    const found = await this.find(true);
    let sys = findSystem(found, req.system);
    if (!sys) {
      // A locked system: the inside looked at again with its passphrase, so the plan is made from what is there now.
      const u = await this.unlocked(found, req.system, req.passphrase);
      if (!u.sys) return { ok: false, problems: [], refusals: u.refusals };
      sys = u.sys;
    }
    if (sys.refusals.length) return { ok: false, problems: [], refusals: sys.refusals };
    const targetRoot = join(this.o.targetBase, `livekit-repair-${randomUUID().slice(0, 8)}`);
    const ask = { kind: req.repair, ...(req.user !== undefined ? { user: req.user } : {}) };
    const open = { runner: this.runner, ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}) };
    const { planned: r, fsck } = await planRepair(found, sys, ask, targetRoot, REPAIR_LOG_PATH, open);
    if (!r.ok) return { ok: false, problems: r.problems, refusals: [], ...(fsck ? { fsck } : {}) };
    const planId = randomUUID();
    this.kept.set(planId, { plan: r.plan, root: sys.root.device, needsPassword: req.repair === 'password', ...(sys.luks ? { luks: { device: sys.luks.device, uuid: sys.luks.uuid } } : {}) });
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
    // An encrypted system's inside cannot be seen without its passphrase: its container must be the same one, locked, on a disk not in use.
    const same = k.luks
      ? ((l) => !!l && l.device === k.luks!.device && l.luks.uuid === k.luks!.uuid && l.refusals.length === 0)(findLocked(found, k.plan.system.id))
      : ((s) => !!s && s.root.device === k.root && s.refusals.length === 0)(findSystem(found, k.plan.system.id));
    if (!same) throw new SystemChangedError(k.plan.system.id);
    return { plan: k.plan };
  }

  async runRepair(planId: string, opts: { password?: string; passphrase?: string; signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    const k = this.get(planId);
    if (k.needsPassword) assertRepairPassword(opts.password ?? '');
    if (k.luks && !opts.passphrase) throw new PassphraseNeededError(k.plan.system.id);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let r: Awaited<ReturnType<typeof runRepairPlan>>;
    try {
      r = await runRepairPlan(k.plan, {
        runner: this.runner,
        secrets: { ...(k.needsPassword ? { 'user.password': opts.password! } : {}), ...(k.luks ? { 'encryption.passphrase': opts.passphrase! } : {}) },
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
    // A locked system's shell asks for its passphrase in the terminal.
    const sys = findSystem(found, req.system) ?? findLocked(found, req.system);
    if (!sys) throw new CodedError('no-system', { system: req.system }, `no installed system ${req.system}`);
    const title = 'name' in sys ? `${sys.name} (${sys.id})` : sys.device;
    return openTerminal(this.runner, { systemId: sys.id, title, ...(req.locale ? { locale: req.locale } : {}) });
  }
}
