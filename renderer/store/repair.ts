// The repair path's state (its own store, beside the install wizard's): which way the person chose on the
// first page, the systems found, the chosen system and repair, the kept plan, and the repair's folded events.
import { create } from 'zustand';
import { initialInstallState, reduceInstall, type InstallState, type RepairOutcome, type ServiceMessage, type TerminalOutcome, type UiRepairKind, type UiSystems } from '../../electron/api.ts';

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
  choose(mode: Mode): void;
  go(page: RepairPage): void;
  setSystems(s: UiSystems | null, error?: string): void;
  setSystem(id: string): void;
  setRepair(r: UiRepairKind): void;
  setFields(p: Partial<Pick<RepairStore, 'user' | 'password' | 'confirm' | 'confirmed'>>): void;
  setOutcome(o: RepairOutcome | null): void;
  setTerminal(t: TerminalOutcome | null): void;
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
  choose: (mode) => set({ mode, page: 'systems' }),
  go: (page) => set({ page }),
  setSystems: (systems, error) => set({ systems, systemsError: error ?? null }),
  setSystem: (system) => set({ system, repair: null, user: '', outcome: null, confirmed: false, terminal: null }),
  setRepair: (repair) => set({ repair, outcome: null, confirmed: false }),
  setFields: (p) => set(p),
  setOutcome: (outcome) => set({ outcome, confirmed: false }),
  setTerminal: (terminal) => set({ terminal }),
  apply: (m) =>
    set((s) => {
      const run = m.type === 'snapshot' ? m.state : reduceInstall(s.run, m.event);
      // Once the person started a repair, its stream decides between progress and result; the password
      // is forgotten here as soon as the repair has it.
      const page = s.page === 'progress' && (run.phase === 'done' || run.phase === 'failed' || run.phase === 'cancelled') ? 'result' : s.page;
      return { run, page };
    }),
  restart: () => set({ page: 'systems', systems: null, repair: null, outcome: null, confirmed: false, password: '', confirm: '', run: initialInstallState(), terminal: null }),
}));
