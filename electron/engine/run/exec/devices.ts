// The target's devices as a run learns them: the disk (known from the plan, or once an image is attached),
// its partitions by role (`{disk}`, `{part:<role>}` in the plan), their nodes made without udev (partx), and
// the /dev/disk/by-uuid links udev would have made.
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutablePlan } from '../../../shared/plan.ts';
import { partitionDevices, resolvePlaceholders } from '../placeholders.ts';
import type { HeldStack } from '../held-stack.ts';
import type { RunResult } from '../runner.ts';

const BY_UUID = '/dev/disk/by-uuid';

type Run = (argv: string[], extra?: { okExitCodes?: number[] }) => Promise<RunResult>;

export class TargetDevices {
  private disk: string | undefined;
  private parts: Record<string, string>;
  private linked = false;

  constructor(private readonly plan: ExecutablePlan) {
    this.disk = plan.erase && !plan.erase.image ? plan.erase.path : undefined;
    this.parts = partitionDevices(plan.partitions, this.disk);
  }

  /** `{disk}` and `{part:<role>}` resolved; throws on one not known yet. */
  res(text: string): string {
    return resolvePlaceholders(text, this.disk, this.parts);
  }

  /** The disk is known (an image attached to a loop device): its partitions follow. */
  setDisk(disk: string): void {
    this.disk = disk;
    this.parts = partitionDevices(this.plan.partitions, disk);
  }

  /** No udev: partx creates the partition nodes (-u updates an existing set, -a adds new ones); waits for them. */
  async settle(run: Run, timeoutMs = 10_000): Promise<void> {
    const disk = this.disk;
    if (!disk) throw new Error('settle-partitions: no disk');
    await run(['partx', '-u', disk], { okExitCodes: [0, 1] });
    const wanted = Object.values(partitionDevices(this.plan.partitions, disk));
    const deadline = Date.now() + timeoutMs;
    let added = false;
    while (!wanted.every((d) => existsSync(d))) {
      if (!added) {
        await run(['partx', '-a', disk], { okExitCodes: [0, 1] });
        added = true;
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Partition nodes did not appear: ${wanted.filter((d) => !existsSync(d)).join(', ')}`);
      await sleep(100);
    }
  }

  /**
   * Without udev (no /run/udev/control) nothing creates /dev/disk/by-uuid, and grub-mkconfig then writes
   * `root=/dev/loop0p2` instead of `root=UUID=…` (10_linux checks that the by-uuid link exists): the
   * installed disk would not boot elsewhere. Before the first command inside the target, make the links
   * udev would make for the planned partitions; they are held, so released with the rest.
   */
  async linkUuids(held: HeldStack, log: (m: string) => void): Promise<void> {
    if (this.linked || existsSync('/run/udev/control')) return;
    this.linked = true;
    for (const [uuid, device] of this.uuidLinks()) {
      if (!existsSync(device)) continue;
      const path = `${BY_UUID}/${uuid}`;
      try {
        lstatSync(path);
        continue; // already there (udev, or another install): not ours to touch
      } catch {
        /* absent: ours to make */
      }
      mkdirSync(BY_UUID, { recursive: true });
      await held.link(path, device, () => symlinkSync(device, path));
      log(`no udev: linked ${path} -> ${device}`);
    }
  }

  /** UUID → device, as udev links them: a filesystem to its partition, or to the opened container holding it. */
  private uuidLinks(): [string, string][] {
    const out: [string, string][] = [];
    for (const p of this.plan.partitions) {
      const device = this.parts[p.role];
      if (!device) continue;
      if (p.luks) out.push([p.luks.uuid, device]);
      if (p.fs?.uuid) out.push([p.fs.uuid, p.luks ? `/dev/mapper/${p.luks.name}` : device]);
    }
    return out;
  }
}
