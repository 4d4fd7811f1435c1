// The application layer's repairs: one planning of each kind of repair for the CLI and the service alike
// (the system found, its context, the planner chosen by kind; fsck's read-only report first, through the
// container opened read-only for an encrypted system).
import type { FsckResult, RepairKind } from '../../shared/rescue.ts';
import { fsckReport } from '../rescue/fsck.ts';
import { withOpened, type OpenOptions } from '../rescue/unlock.ts';
import { CodedError } from '../run/coded-error.ts';
import { repairContext, type Found } from './systems.ts';
import { planBootRepair, planCopyHome, planFsckRepair, planFstabRepair, planPasswordRepair, type RepairPlanResult } from '../rescue/plan.ts';
import type { InstalledSystem } from '../rescue/types.ts';

export interface RepairAsk {
  kind: RepairKind;
  /** password, copy-home: the account. */
  user?: string;
  /** copy-home: the folder the home is copied into, and what the home holds (measured by the caller). */
  to?: string;
  home?: { bytes: number; files: number };
}

export interface PlannedRepair {
  planned: RepairPlanResult;
  /** fsck: the read-only report the plan was made from. */
  fsck?: FsckResult[];
}

/** An encrypted system's fsck: its check reads the filesystem inside, so planning needs the passphrase too. */
export class PassphraseNeededError extends CodedError {
  constructor(system: string) {
    super('passphrase-needed', { system }, `${system} is encrypted: its passphrase is needed`);
    this.name = 'PassphraseNeededError';
  }
}

/** The read-only checks of `sys`'s filesystems; an encrypted root's through its container, opened read-only meanwhile. */
function checkSystem(sys: InstalledSystem, open: Omit<OpenOptions, 'device' | 'name' | 'passphrase'> & { passphrase?: string }): Promise<FsckResult[]> {
  if (!sys.luks) return fsckReport(sys);
  if (open.passphrase === undefined) throw new PassphraseNeededError(sys.id);
  // Opened under the name the plan uses, so the report and the repair name the same devices.
  return withOpened({ ...open, passphrase: open.passphrase, device: sys.luks.device, name: sys.luks.name }, () => fsckReport(sys));
}

/**
 * Plans one repair of `sys`. The plan mounts the system at `targetRoot`; its log goes to `logPath` inside the
 * system (repairs that check or copy unmounted filesystems keep no log there). An encrypted system's fsck
 * needs `open.passphrase` (its check reads inside the container); nothing else does.
 */
export async function planRepair(
  found: Found,
  sys: InstalledSystem,
  ask: RepairAsk,
  targetRoot: string,
  logPath: string,
  open: Omit<OpenOptions, 'device' | 'name' | 'passphrase'> & { passphrase?: string } = {},
): Promise<PlannedRepair> {
  const ctx = repairContext(found, targetRoot, logPath);
  const unlogged = repairContext(found, targetRoot);
  switch (ask.kind) {
    case 'boot':
      return { planned: planBootRepair(sys, ctx) };
    case 'fstab':
      return { planned: planFstabRepair(sys, ctx, found.probes.volumes.find((v) => v.device === sys.root.device)?.fstab ?? '') };
    case 'password':
      return { planned: planPasswordRepair(sys, ctx, ask.user ?? '') };
    case 'fsck': {
      const fsck = await checkSystem(sys, open);
      const unclean = fsck.filter((x) => !x.clean);
      return { fsck, planned: unclean.length ? planFsckRepair(sys, unlogged, unclean) : { ok: false, problems: [{ code: 'nothing-to-fix' }] } };
    }
    case 'copy-home':
      return { planned: planCopyHome(sys, unlogged, ask.user ?? '', ask.to ?? '', ask.home ?? { bytes: 0, files: 0 }) };
  }
}
