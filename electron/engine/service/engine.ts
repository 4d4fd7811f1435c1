// The real EnginePort: the engine's own functions (facts, validation, the planner, the executor),
// composed for the service. The demo wraps it (demo-engine.ts); nothing here knows about the demo.
import { join } from 'node:path';
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { deviceFingerprint } from '../disks/device-fingerprint.ts';
import { FactsCache } from '../disks/facts-cache.ts';
import { readPower } from '../disks/power.ts';
import { bootSysrootFromCmdline, localeFromCmdline } from '../answers/locale.ts';
import { machineWarnings } from '../disks/power.ts';
import { diskChoices, sysrootsOf, validateFor, withSystems } from '../app/facts.ts';
import { checkTargetsUnchanged, prepareInstall, runInstall, type Prepared } from '../app/install.ts';
import { PlanStore } from './plans.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';
import { secretValues } from '../../shared/secrets.ts';
import type { Copier } from '../run/copier.ts';
import type { InstallEvent } from '../../shared/events.ts';
import type { EnginePort } from './port.ts';
import type { PlanOutcome, UiFacts, UiProblem } from '../../shared/service.ts';

export interface RealEngineOptions {
  cmdline: string;
  mediumDir?: string;
  sysrootsDir?: string;
  /** Which disks are offered, from the machine's facts (default: all of them). */
  offeredDisks?: (machine: MachineFacts) => Promise<DiskInfo[]>;
  /** Where install logs go (beside the engine). */
  logDir: string;
  /** Parent of the target root mount point. */
  targetBase: string;
  runner?: CommandRunner;
  /** Picks the copier per plan (a wrapper may make one target fail, as the demo's flaky disk does). */
  copierFor?: (targetDisk: string | undefined) => Copier | undefined;
  /** Gathers the machine's facts (default: collectMachineFacts); the tests count collections here. */
  collectFacts?: typeof collectMachineFacts;
  /** The facts cache's change detector (default: deviceFingerprint of the block devices and `watchFiles`). */
  fingerprint?: () => Promise<string>;
  /** Image files offered as targets: a change of one counts as a device change. */
  watchFiles?: string[];
}

export class RealEngine implements EnginePort {
  private runner: CommandRunner;
  private plans = new PlanStore();
  /** The machine's facts with the operating systems found on them: one collection for all requests. */
  private cache: FactsCache<MachineFacts>;
  constructor(private o: RealEngineOptions) {
    this.runner = o.runner ?? new ExecaRunner();
    const collect = o.collectFacts ?? collectMachineFacts;
    this.cache = new FactsCache({
      collect: async () => {
        const m = await collect({ cmdline: o.cmdline, ...(o.mediumDir ? { mediumDir: o.mediumDir } : {}) });
        if (o.offeredDisks) m.disks = await o.offeredDisks(m);
        return withSystems(m);
      },
      fingerprint: o.fingerprint ?? (() => deviceFingerprint({ files: o.watchFiles ?? [] })),
    });
  }

  /**
   * The machine's facts: cached while no device changes; `fresh` (planning) collected after the call.
   * The power supply is no device: it is read each time.
   */
  private async machine(fresh = false): Promise<MachineFacts> {
    const [m, power] = await Promise.all([this.cache.get({ fresh }), readPower()]);
    return { ...m, power };
  }

  async facts(opts: { lang: string; variant?: string; swap?: string }): Promise<UiFacts> {
    const machine = await this.machine();
    const sysroots = await sysrootsOf(this.o, machine, opts.lang);
    const chosen = sysroots.find((s) => s.name === opts.variant);
    return {
      firmware: machine.firmware,
      arch: machine.arch,
      ramBytes: machine.ramBytes,
      gpuVendors: machine.gpuVendors,
      cmdline: machine.cmdline,
      cmdlineLocale: localeFromCmdline(machine.cmdline) ?? null,
      bootSysroot: bootSysrootFromCmdline(machine.cmdline) ?? null,
      warnings: machineWarnings(machine),
      sysroots,
      disks: diskChoices(machine, chosen ? { sysroot: chosen, ...(opts.swap ? { swap: opts.swap } : {}) } : undefined),
      demo: false,
      ...(machine.canOpenLuks !== undefined ? { canOpenLuks: machine.canOpenLuks } : {}),
    };
  }

  async reboot(): Promise<{ rebooting: boolean }> {
    await this.runner.run(['systemctl', 'reboot']);
    return { rebooting: true };
  }

  async validate(raw: unknown): Promise<UiProblem[]> {
    const r = await validateFor(this.o, raw, await this.machine());
    return r.ok ? [] : r.problems;
  }

  /** The CLI's own preparation (validation, facts, the planner). */
  private async prepare(raw: unknown, logPath: string): Promise<Prepared> {
    return prepareInstall(raw, {
      cmdline: this.o.cmdline,
      ...(this.o.mediumDir ? { mediumDir: this.o.mediumDir } : {}),
      ...(this.o.sysrootsDir ? { sysrootsDir: this.o.sysrootsDir } : {}),
      lang: 'en',
      logPath,
      targetBase: this.o.targetBase,
      machine: await this.machine(true),
    });
  }

  private logPath(): string {
    return join(this.o.logDir, `livekit-install-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  }

  async plan(raw: unknown): Promise<PlanOutcome> {
    const p = await this.prepare(raw, this.logPath());
    return p.ok ? { ok: true, plan: p.plan, planId: this.plans.keep(p) } : { ok: false, problems: p.problems, refusals: p.refusals };
  }

  replan(planId: string): Promise<PlanOutcome> {
    return this.plan(this.plans.get(planId).answers);
  }

  async confirm(planId: string): Promise<{ secrets: string[] }> {
    const p = this.plans.get(planId);
    await checkTargetsUnchanged(p);
    return { secrets: secretValues(p.secrets) };
  }

  async install(planId: string, opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    const p = this.plans.get(planId);
    const copier = this.o.copierFor?.(p.plan.erase?.path);
    try {
      const r = await runInstall(p, { runner: this.runner, signal: opts.signal, onEvent: opts.onEvent, ...(copier ? { copier } : {}) });
      return { ok: r.ok, cancelled: r.cancelled };
    } finally {
      // A disk was (maybe) written: the next facts are collected anew, whatever the fingerprint says.
      this.cache.invalidate();
    }
  }
}
