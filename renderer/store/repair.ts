// The repair path's state (its own store, beside the install wizard's): which way the person chose on the
// first page, the systems found, the chosen system and repair, the kept plan, and the repair's folded events.
// An unlocked system's passphrase is held here in memory only (never in the saved session), from Unlock
// until its repair starts or the list is read again, for the calls that need it (plan, repair).
import { create } from 'zustand';
import {
  initialInstallState,
  reduceInstall,
  type InstallState,
  type RepairOutcome,
  type ServiceMessage,
  type TerminalOutcome,
  type UiRepairKind,
  type UiSystem,
  type UiSystems,
} from '../../electron/api.ts';

export type Mode = 'start' | 'install' | 'repair';
export type RepairPage = 'systems' | 'repairs' | 'plan' | 'progress' | 'result';

export interface RepairStore {
  mode: Mode;
  page: RepairPage;
  systems: UiSystems | null;
  systemsError: string | null;
  system: string;
  repair: UiRepairKind | null;
  user: string;
  password: string;
  confirm: string;
  outcome: RepairOutcome | null;
  confirmed: boolean;
  run: InstallState;
  terminal: TerminalOutcome | null;
  /** The passphrase field of the chosen locked system. */
  passphrase: string;
  /** Passphrases of the systems unlocked, by system id (memory only). */
  passphrases: Record<string, string>;
  choose(mode: Mode): void;
  go(page: RepairPage): void;
  setSystems(s: UiSystems | null, error?: string): void;
  setSystem(id: string): void;
  setRepair(r: UiRepairKind): void;
  setFields(p: Partial<Pick<RepairStore, 'user' | 'password' | 'confirm' | 'confirmed'>>): void;
  setOutcome(o: RepairOutcome | null): void;
  setTerminal(t: TerminalOutcome | null): void;
  setPassphrase(p: string): void;
  /** A locked system opened: listed with the systems from now on, its passphrase kept for its plan and repair. */
  unlocked(sys: UiSystem, passphrase: string): void;
  /** The repair has the passphrase now: forgotten here. */
  forgetPassphrase(system: string): void;
  apply(m: ServiceMessage): void;
  /** Leaves the repair path's result for the list of systems (read again: the repair changed them). */
  restart(): void;
}

export const useRepair = create<RepairStore>()((set) => ({
  mode: 'start',
  page: 'systems',
  systems: null,
  systemsError: null,
  system: '',
  repair: null,
  user: '',
  password: '',
  confirm: '',
  outcome: null,
  confirmed: false,
  run: initialInstallState(),
  terminal: null,
  passphrase: '',
  passphrases: {},
  choose: (mode) => set({ mode, page: 'systems' }),
  go: (page) => set({ page }),
  // A list read again shows every encrypted system locked: what was unlocked is forgotten.
  setSystems: (systems, error) => set({ systems, systemsError: error ?? null, passphrases: {}, passphrase: '' }),
  setSystem: (system) => set({ system, repair: null, user: '', outcome: null, confirmed: false, terminal: null, passphrase: '' }),
  setRepair: (repair) => set({ repair, outcome: null, confirmed: false }),
  setFields: (p) => set(p),
  setOutcome: (outcome) => set({ outcome, confirmed: false }),
  setTerminal: (terminal) => set({ terminal }),
  setPassphrase: (passphrase) => set({ passphrase }),
  unlocked: (sys, passphrase) =>
    set((s) => ({
      systems: s.systems && { ...s.systems, systems: [...s.systems.systems.filter((x) => x.id !== sys.id), sys], locked: s.systems.locked.filter((l) => l.id !== sys.id) },
      passphrases: { ...s.passphrases, [sys.id]: passphrase },
      passphrase: '',
    })),
  forgetPassphrase: (system) =>
    set((s) => {
      const { [system]: _gone, ...rest } = s.passphrases;
      return { passphrases: rest };
    }),
  apply: (m) =>
    set((s) => {
      const run = m.type === 'snapshot' ? m.state : reduceInstall(s.run, m.event);
      // Once the person started a repair, its stream decides between progress and result; the password
      // is forgotten here as soon as the repair has it.
      const page = s.page === 'progress' && (run.phase === 'done' || run.phase === 'failed' || run.phase === 'cancelled') ? 'result' : s.page;
      return { run, page };
    }),
  restart: () => set({ page: 'systems', systems: null, repair: null, outcome: null, confirmed: false, password: '', confirm: '', run: initialInstallState(), terminal: null, passphrase: '', passphrases: {} }),
}));
