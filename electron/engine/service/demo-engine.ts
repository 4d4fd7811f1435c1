// `livekit serve --demo`'s engine: the real one, wrapped. It offers only the demo's disk images and its
// partitioned loop device, refuses any other target before planning, makes the flaky image fail its
// first copy, never reboots, and says it is a demo. The real engine has no demo branches.
import { describeImage } from '../disks/image.ts';
import { RsyncCopier } from '../run/copier.ts';
import { targetSchema } from '../../shared/answers.ts';
import { FailOnceCopier, SlowOnceCopier, type Demo } from './demo.ts';
import { RealEngine, type RealEngineOptions } from './engine.ts';
import type { EnginePort } from './port.ts';
import type { PlanOutcome, UiFacts, UiProblem } from '../../shared/service.ts';
import type { InstallEvent } from '../../shared/events.ts';

export type DemoTargets = Pick<Demo, 'images' | 'flakyImage' | 'partitionedDisk'> & Partial<Pick<Demo, 'slowImage'>>;

/** Every device the answers' target names, with its answers path; parsed by the answers' own zod schema. */
function namedTargets(raw: unknown): { path: string; device: string }[] {
  const parsed = targetSchema.safeParse((raw as { target?: unknown } | null)?.target);
  if (!parsed.success) return []; // validation names the problem
  const t = parsed.data;
  const out = t.disk ? [{ path: 'target.disk', device: t.disk }] : [];
  for (const [role, dev] of Object.entries(t.partitions ?? {})) if (dev) out.push({ path: `target.partitions.${role}`, device: dev });
  return out;
}

export class DemoEngine implements EnginePort {
  private inner: RealEngine;

  constructor(
    private demo: DemoTargets,
    options: Omit<RealEngineOptions, 'offeredDisks' | 'copierFor' | 'watchFiles'>,
  ) {
    const flaky = new FailOnceCopier(new RsyncCopier());
    const slow = new SlowOnceCopier(new RsyncCopier());
    this.inner = new RealEngine({
      ...options,
      watchFiles: demo.images,
      offeredDisks: async (m) => [...(await Promise.all(demo.images.map((p) => describeImage(p)))), ...m.disks.filter((d) => d.path === demo.partitionedDisk)],
      copierFor: (disk) => (disk === demo.flakyImage ? flaky : disk !== undefined && disk === demo.slowImage ? slow : undefined),
    });
  }

  /** The demo writes only to its images and to the partitions of its own partitioned disk. */
  private outside(raw: unknown): UiProblem[] {
    const d = this.demo.partitionedDisk;
    const onDemoDisk = (dev: string) => dev === d || (dev.startsWith(`${d}p`) && /^\d+$/.test(dev.slice(d.length + 1)));
    return namedTargets(raw)
      .filter((t) => !this.demo.images.includes(t.device) && !onDemoDisk(t.device))
      .map((t) => ({ path: t.path, code: 'app:problem.demo-target', params: { disk: t.device }, message: `Demo mode installs only into its disk images, not ${t.device}` }));
  }

  async facts(opts: { lang: string; variant?: string; swap?: string }): Promise<UiFacts> {
    return { ...(await this.inner.facts(opts)), demo: true };
  }

  async validate(raw: unknown): Promise<UiProblem[]> {
    const outside = this.outside(raw);
    return outside.length > 0 ? outside : this.inner.validate(raw);
  }

  async plan(raw: unknown): Promise<PlanOutcome> {
    const outside = this.outside(raw);
    return outside.length > 0 ? { ok: false, problems: outside, refusals: [] } : this.inner.plan(raw);
  }

  replan(planId: string): Promise<PlanOutcome> {
    return this.inner.replan(planId);
  }

  confirm(planId: string): Promise<{ secrets: string[] }> {
    return this.inner.confirm(planId);
  }

  install(planId: string, opts: { signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    return this.inner.install(planId, opts);
  }

  async reboot(): Promise<{ rebooting: boolean }> {
    return { rebooting: false };
  }
}
