// `livekit serve --demo`'s maintenance: the real rescue code, looking only at the demo's own disks (the
// image with the system installed at start, the same system encrypted, and the partitioned one), never at
// the host's. It opens no terminal on the host: it answers with the command a Live session would run.
import { basename } from 'node:path';
import type { Demo } from './demo.ts';
import { RealRescue, type RealRescueOptions, type RescuePort } from './rescue.ts';
import type { InstallEvent } from '../../shared/events.ts';
import type { RepairOutcome, RepairPlan, RepairRequest, TerminalOutcome, UiSystem, UiSystems } from '../../shared/rescue.ts';
import { shellCommandLine } from '../rescue/terminal.ts';

export type DemoDisks = Pick<Demo, 'installedDisk' | 'installedImage' | 'partitionedDisk' | 'encryptedDisk' | 'encryptedImage'>;

export class DemoRescue implements RescuePort {
  private inner: RealRescue;
  constructor(
    private demo: DemoDisks,
    options: Omit<RealRescueOptions, 'disks'>,
  ) {
    const mine = [demo.installedDisk, demo.partitionedDisk, demo.encryptedDisk];
    this.inner = new RealRescue({ ...options, disks: (m) => m.disks.filter((d) => mine.includes(d.path)) });
  }

  async systems(): Promise<UiSystems> {
    const found = await this.inner.systems();
    // Each image is named by its file, as a disk by its model.
    const labels: Record<string, string> = { [this.demo.installedDisk]: basename(this.demo.installedImage), [this.demo.encryptedDisk]: basename(this.demo.encryptedImage) };
    const named = <T extends { disk: string }>(s: T): T => (labels[s.disk] ? { ...s, diskLabel: labels[s.disk] } : s);
    return { ...found, systems: found.systems.map(named), locked: found.locked.map(named) };
  }

  async unlock(req: { system: string; passphrase: string }): Promise<UiSystem> {
    const s = await this.inner.unlock(req);
    return s.disk === this.demo.encryptedDisk ? { ...s, diskLabel: basename(this.demo.encryptedImage) } : s;
  }

  planRepair(req: RepairRequest): Promise<RepairOutcome> {
    return this.inner.planRepair(req);
  }

  confirmRepair(planId: string): Promise<{ plan: RepairPlan }> {
    return this.inner.confirmRepair(planId);
  }

  runRepair(planId: string, opts: { password?: string; passphrase?: string; signal: AbortSignal; onEvent: (e: InstallEvent) => void }) {
    return this.inner.runRepair(planId, opts);
  }

  async terminal(req: { system: string }): Promise<TerminalOutcome> {
    const found = await this.inner.systems();
    const known = [...found.systems, ...found.locked].find((s) => s.id === req.system);
    return { started: false, command: shellCommandLine(known?.id ?? req.system), reason: 'demo' };
  }
}
