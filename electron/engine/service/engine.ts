// The real EnginePort: the engine's own functions (facts, validation, the planner, the executor),
// composed for the service. In demo mode the only targets are the demo's disk image files.
import { join } from 'node:path';
import type { DiskInfo, MachineFacts, SysrootInfo } from '../facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { describeImage } from '../disks/image.ts';
import { refusalsFor, requiredBytes } from '../disks/safety.ts';
import { listSysroots } from '../medium/sysroots.ts';
import { validateAnswers } from '../answers/validate.ts';
import { localeFromCmdline } from '../answers/locale.ts';
import { swapBytesFor } from '../plan/swap.ts';
import { checkTargetsUnchanged, prepareInstall, runInstall, type Prepared } from '../install.ts';
import { PlanStore } from './plans.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';
import type { Copier } from '../run/copier.ts';
import type { InstallEvent } from '../run/events.ts';
import type { EnginePort, PlanOutcome, UiFacts, UiProblem } from './port.ts';

export interface RealEngineOptions {
  cmdline: string;
  mediumDir?: string;
  sysrootsDir?: string;
  /** Demo: these image files (and the block devices in demoDisks) are the only targets offered and accepted. */
  demoImages?: string[];
  /** Demo: block devices (the demo's loop-attached partitioned image) offered beside the images. */
  demoDisks?: string[];
  /** Where install logs go (beside the engine). */
  logDir: string;
  /** Parent of the target root mount point. */
  targetBase: string;
  runner?: CommandRunner;
  /** Picks the copier per plan (the demo's flaky target fails its first copy). */
  copierFor?: (targetDisk: string | undefined) => Copier | undefined;
}

/** Swap bytes the size check counts for this disk, by the planner's own rule; a malformed size counts 0 here (validation names it). */
function swapFor(swap: string | undefined, ramBytes: number, diskBytes: number): number {
  try {
    return swapBytesFor(swap ?? 'auto', ramBytes, diskBytes);
  } catch {
    return 0;
  }
}

export class RealEngine implements EnginePort {
  private runner: CommandRunner;
  private plans = new PlanStore();
  constructor(private o: RealEngineOptions) {
    this.runner = o.runner ?? new ExecaRunner();
  }

  private async machine(): Promise<MachineFacts> {
    const m = await collectMachineFacts({ cmdline: this.o.cmdline, ...(this.o.mediumDir ? { mediumDir: this.o.mediumDir } : {}) });
    if (this.o.demoImages) {
      const devices = m.disks.filter((d) => this.o.demoDisks?.includes(d.path));
      m.disks = [...(await Promise.all(this.o.demoImages.map((p) => describeImage(p)))), ...devices];
    }
    return m;
  }

  private sysroots(machine: MachineFacts, lang: string): Promise<SysrootInfo[]> {
    return listSysroots({
      ...(this.o.sysrootsDir ? { sysrootsDir: this.o.sysrootsDir } : {}),
      ...(this.o.mediumDir ? { mediumDir: this.o.mediumDir } : {}),
      lang,
      machine,
    });
  }

  async facts(opts: { lang: string; variant?: string; swap?: string }): Promise<UiFacts> {
    const machine = await this.machine();
    const sysroots = await this.sysroots(machine, opts.lang);
    const chosen = sysroots.find((s) => s.name === opts.variant);
    return {
      firmware: machine.firmware,
      arch: machine.arch,
      ramBytes: machine.ramBytes,
      gpuVendors: machine.gpuVendors,
      cmdline: machine.cmdline,
      cmdlineLocale: localeFromCmdline(machine.cmdline) ?? null,
      sysroots,
      disks: machine.disks.map((disk: DiskInfo) => ({
        disk,
        refusals: refusalsFor(disk, machine, chosen ? requiredBytes(chosen, swapFor(opts.swap, machine.ramBytes, disk.sizeBytes), machine.firmware) : null),
      })),
      demo: this.o.demoImages !== undefined,
    };
  }

  async reboot(): Promise<{ rebooting: boolean }> {
    if (this.o.demoImages) return { rebooting: false };
    await this.runner.run(['systemctl', 'reboot']);
    return { rebooting: true };
  }

  async validate(raw: unknown): Promise<UiProblem[]> {
    const machine = await this.machine();
    const sysroots = await this.sysroots(machine, 'en');
    const r = validateAnswers(raw, { sysroots, cmdline: this.o.cmdline });
    return r.ok ? [] : r.problems;
  }

  /** Every device or image the answers would write to: the disk, or the partitions named. */
  private targetsOf(raw: unknown): { path: string; device: string }[] {
    const target = (raw as { target?: { disk?: unknown; partitions?: Record<string, unknown> } } | null)?.target;
    const out: { path: string; device: string }[] = [];
    if (typeof target?.disk === 'string') out.push({ path: 'target.disk', device: target.disk });
    for (const [role, dev] of Object.entries(target?.partitions ?? {})) {
      if (typeof dev === 'string') out.push({ path: `target.partitions.${role}`, device: dev });
    }
    return out;
  }

  /** Demo mode writes only to its images and to the partitions of its own partitioned disk. */
  private outsideDemo(raw: unknown): UiProblem[] {
    if (!this.o.demoImages) return [];
    const onDemoDisk = (dev: string) => (this.o.demoDisks ?? []).some((d) => dev === d || (dev.startsWith(`${d}p`) && /^\d+$/.test(dev.slice(d.length + 1))));
    const allowed = (dev: string) => this.o.demoImages!.includes(dev) || onDemoDisk(dev);
    return this.targetsOf(raw)
      .filter((t) => !allowed(t.device))
      .map((t) => ({ path: t.path, code: 'app:problem.demo-target', params: { disk: t.device }, message: `demo mode installs only into its disk images, not ${t.device}` }));
  }

  /** The CLI's own preparation (validation, facts, the planner); the demo first keeps to its images. */
  private async prepare(raw: unknown, logPath: string): Promise<Prepared> {
    const outside = this.outsideDemo(raw);
    if (outside.length > 0) return { ok: false, exitCode: 2, problems: outside, refusals: [] };
    return prepareInstall(raw, {
      cmdline: this.o.cmdline,
      ...(this.o.mediumDir ? { mediumDir: this.o.mediumDir } : {}),
      ...(this.o.sysrootsDir ? { sysrootsDir: this.o.sysrootsDir } : {}),
      lang: 'en',
      logPath,
      targetBase: this.o.targetBase,
      machine: await this.machine(),
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
    return { secrets: [p.secrets.password, p.secrets.passwordHash].filter((s): s is string => !!s) };
  }

  async install(planId: string, opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    const p = this.plans.get(planId);
    const copier = this.o.copierFor?.(p.plan.erase?.path);
    const r = await runInstall(p, { runner: this.runner, signal: opts.signal, onEvent: opts.onEvent, ...(copier ? { copier } : {}) });
    return { ok: r.ok, cancelled: r.cancelled };
  }
}
