// Whether a laptop runs on its battery, from /sys/class/power_supply (read in collect.ts), and the
// machine warnings the wizard shows before an install (little memory, on battery). Pure apart from `readPower`.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineFacts } from '../../shared/facts.ts';
import type { MachineWarning } from '../../shared/service.ts';

export interface PowerSupply {
  /** `Mains`, `Battery`, `USB`, ... */
  type: string;
  /** `1` when a mains or USB supply is plugged in. */
  online?: string;
  /** A battery's `Charging`, `Discharging`, `Full`, `Not charging`. */
  status?: string;
  /** `Device` for a mouse's or a keyboard's battery, `System` for the laptop's own. */
  scope?: string;
}

/** No system battery: a desktop (on mains). A plugged-in supply: on mains. A discharging battery: on battery. */
export function powerState(supplies: PowerSupply[]): NonNullable<MachineFacts['power']> {
  const batteries = supplies.filter((s) => s.type === 'Battery' && s.scope !== 'Device');
  if (batteries.length === 0) return 'ac';
  if (supplies.some((s) => (s.type === 'Mains' || s.type.startsWith('USB')) && s.online === '1')) return 'ac';
  if (batteries.some((b) => b.status === 'Discharging')) return 'battery';
  if (batteries.every((b) => b.status === 'Charging' || b.status === 'Full' || b.status === 'Not charging')) return 'ac';
  return 'unknown';
}

export async function readPower(dir = '/sys/class/power_supply'): Promise<NonNullable<MachineFacts['power']>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const read = (n: string, f: string) => readFile(join(dir, n, f), 'utf8').then((t) => t.trim(), () => undefined);
  const supplies = await Promise.all(
    names.map(async (n): Promise<PowerSupply> => {
      const [type, online, status, scope] = await Promise.all([read(n, 'type'), read(n, 'online'), read(n, 'status'), read(n, 'scope')]);
      return { type: type ?? '', ...(online ? { online } : {}), ...(status ? { status } : {}), ...(scope ? { scope } : {}) };
    }),
  );
  return powerState(supplies);
}

/** Below this much memory the installed desktop (and the Live session installing it) will be slow. */
export const LOW_RAM_BYTES = 2 * 1024 ** 3;

/** Warnings (not refusals): the install may go on. */
export function machineWarnings(m: Pick<MachineFacts, 'ramBytes' | 'power'>): MachineWarning[] {
  const out: MachineWarning[] = [];
  if (m.ramBytes > 0 && m.ramBytes < LOW_RAM_BYTES) out.push({ code: 'low-ram', params: { ramBytes: m.ramBytes, minBytes: LOW_RAM_BYTES } });
  if (m.power === 'battery') out.push({ code: 'on-battery' });
  return out;
}
