// The application layer's systems: the one entry point of `livekit systems`, the wizard's repair path and
// every command that names a system — the machine's facts, each candidate volume probed read-only, then
// the pure classifier; and a locked volume's system, found by a read-only look inside with its passphrase.
import { existsSync } from 'node:fs';
import type { MachineFacts } from '../../shared/facts.ts';
import { machineFacts } from './facts.ts';
import { classify, unlockedSystem } from '../rescue/classify.ts';
import { crypttabName, mappingName } from '../rescue/luks-name.ts';
import { probeMachine } from '../rescue/prober.ts';
import type { RepairContext } from '../rescue/plan.ts';
import { probeOpened, withOpened } from '../rescue/unlock.ts';
import type { FoundSystems, InstalledSystem, LockedVolume, ProbeResults } from '../rescue/types.ts';
import { CodedError } from '../run/coded-error.ts';
import { readMappings } from '../run/leftovers.ts';
import type { CommandRunner } from '../run/runner.ts';

export interface Found extends FoundSystems {
  machine: MachineFacts;
  probes: ProbeResults;
}

export async function findSystems(opts: { cmdline: string; mediumDir?: string; machine?: MachineFacts }): Promise<Found> {
  const machine = opts.machine ?? (await machineFacts(opts));
  const probes = await probeMachine(machine);
  return { ...classify(machine, probes), machine, probes };
}

/** The container opened, but no installed system is inside (data, swap, LVM, an unreadable filesystem). */
export class NoSystemInsideError extends CodedError {
  constructor(device: string, detail: string) {
    super('no-system-inside', { device, detail }, `no installed system inside ${device}${detail ? ` (${detail})` : ''}`);
    this.name = 'NoSystemInsideError';
  }
}

export interface UnlockOptions {
  runner?: CommandRunner;
  /** The journal's folder for the mapping held while looking (default /run/livekit/held); null: none. */
  heldDir?: string | null;
  log?: (message: string) => void;
}

/**
 * The system inside `locked`: the container opened read-only (closed again before this returns), the
 * filesystem inside probed as any volume, classified with the rest of its disk. Its plans open it as
 * crypttab names it when that name is free (the one its boot knows), else `luks-<uuid>` or LiveKit's own.
 * Throws WrongPassphraseError, LuksOpenError or NoSystemInsideError.
 */
export async function unlockSystem(found: Found, locked: LockedVolume, passphrase: string, o: UnlockOptions = {}): Promise<InstalledSystem> {
  const look = mappingName({ uuid: locked.luks.uuid, id: locked.id, taken: readMappings() });
  const seen = await withOpened({ device: locked.device, name: look, passphrase, ...o }, (mapper) => probeOpened(mapper, mapper));
  const named = crypttabName(seen.probe.crypttab, { uuid: locked.luks.uuid, device: locked.device });
  const name = mappingName({ ...(named ? { crypttabName: named } : {}), uuid: locked.luks.uuid, id: locked.id, taken: readMappings() });
  const device = `/dev/mapper/${name}`;
  const sys = unlockedSystem(found.machine, found.probes, locked, { ...seen.inner, device }, { ...seen.probe, device }, { name, ...(named ? { crypttabName: named } : {}) });
  if (!sys) throw new NoSystemInsideError(locked.device, seen.probe.error ?? seen.inner.fstype);
  return sys;
}

/** What the repair planner needs to know of this machine besides the system: the CLI's and the service's. */
export function repairContext(found: Found, targetRoot: string, logPath?: string): RepairContext {
  return {
    arch: found.machine.arch,
    firmware: found.machine.firmware,
    vfat: found.probes.kernelFilesystems.includes('vfat'),
    efivars: existsSync('/sys/firmware/efi/efivars'),
    targetRoot,
    ...(logPath ? { logPath } : {}),
  };
}
