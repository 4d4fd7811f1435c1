// The real EnginePort: the engine's own functions (facts, validation, the planner, the executor),
// composed for the service. In demo mode the only targets are the demo's disk image files.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { DiskInfo, MachineFacts, SysrootInfo } from '../facts.ts';
import { collectMachineFacts } from '../disks/collect.ts';
import { describeImage } from '../disks/image.ts';
import { refusalsFor, requiredBytes } from '../disks/safety.ts';
import { listSysroots } from '../medium/sysroots.ts';
import { validateAnswers } from '../answers/validate.ts';
import { localeFromCmdline } from '../answers/locale.ts';
import { swapBytesFor } from '../plan/swap.ts';
import { plan as makePlan } from '../plan/plan.ts';
import { execute } from '../run/executor.ts';
import { ExecaRunner, type CommandRunner } from '../run/runner.ts';
import type { Copier } from '../run/copier.ts';
import type { InstallEvent } from '../run/events.ts';
import type { EnginePort, PlanOutcome, UiFacts, UiProblem } from './port.ts';

export interface RealEngineOptions {
  cmdline: string;
  mediumDir?: string;
  sysrootsDir?: string;
  /** Demo: these image files are the only targets offered and accepted. */
  demoImages?: string[];
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
  constructor(private o: RealEngineOptions) {
    this.runner = o.runner ?? new ExecaRunner();
  }

  private async machine(extraImage?: string): Promise<MachineFacts> {
    const m = await collectMachineFacts({ cmdline: this.o.cmdline, ...(this.o.mediumDir ? { mediumDir: this.o.mediumDir } : {}) });
    if (this.o.demoImages) {
      m.disks = await Promise.all(this.o.demoImages.map((p) => describeImage(p)));
      return m;
    }
    if (extraImage && !m.disks.some((d) => d.path === extraImage)) {
      const st = await stat(extraImage).catch(() => null);
      if (st?.isFile()) m.disks = [...m.disks, await describeImage(extraImage)];
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

  private targetOf(raw: unknown): string | undefined {
    const disk = (raw as { target?: { disk?: unknown } } | null)?.target?.disk;
    return typeof disk === 'string' ? disk : undefined;
  }

  private async planWith(raw: unknown, logPath: string) {
    const target = this.targetOf(raw);
    if (this.o.demoImages && target !== undefined && !this.o.demoImages.includes(target)) {
      const problems: UiProblem[] = [{ path: 'target.disk', code: 'app:problem.demo-target', params: { disk: target }, message: `demo mode installs only into its disk images, not ${target}` }];
      return { outcome: { ok: false, problems, refusals: [] } as PlanOutcome };
    }
    const machine = await this.machine(target);
    const sysroots = await this.sysroots(machine, 'en');
    const v = validateAnswers(raw, { sysroots, cmdline: this.o.cmdline });
    if (!v.ok) return { outcome: { ok: false, problems: v.problems, refusals: [] } as PlanOutcome };
    const sysroot = sysroots.find((s) => s.name === v.answers.variant);
    if (!sysroot) {
      const problems: UiProblem[] = [{ path: 'variant', code: 'variant.unknown', params: { variant: v.answers.variant }, message: `unknown variant ${v.answers.variant}` }];
      return { outcome: { ok: false, problems, refusals: [] } as PlanOutcome };
    }
    const r = makePlan(v.answers, machine, sysroot, {
      targetRoot: join(this.o.targetBase, `target-${randomUUID().slice(0, 8)}`),
      newUuid: () => randomUUID(),
      logPath,
    });
    const outcome: PlanOutcome = r.ok ? { ok: true, plan: r.plan } : { ok: false, problems: r.problems, refusals: r.refusals };
    return { outcome, answers: v.answers };
  }

  private logPath(): string {
    return join(this.o.logDir, `livekit-install-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  }

  async plan(raw: unknown): Promise<PlanOutcome> {
    return (await this.planWith(raw, this.logPath())).outcome;
  }

  async install(raw: unknown, opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    const logFile = this.logPath();
    const { outcome, answers } = await this.planWith(raw, logFile);
    if (!outcome.ok || !answers) return { ok: false, cancelled: false, problems: outcome.ok ? [] : outcome.problems, refusals: outcome.ok ? [] : outcome.refusals };
    const copier = this.o.copierFor?.(outcome.plan.erase?.path);
    const r = await execute(outcome.plan, {
      runner: this.runner,
      secrets: {
        ...(answers.user.password !== undefined ? { password: answers.user.password } : {}),
        ...(answers.user['password-hash'] !== undefined ? { passwordHash: answers.user['password-hash'] } : {}),
      },
      signal: opts.signal,
      onEvent: opts.onEvent,
      logFile,
      ...(copier ? { copier } : {}),
    });
    return { ok: r.ok, cancelled: r.cancelled };
  }
}
