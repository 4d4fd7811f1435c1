// What the repair path needs from the engine; main.tsx wires the tRPC client, tests may pass their own.
import type { RepairOutcome, RepairRequest, ServiceMessage, TerminalOutcome, UiSystem, UiSystems } from '../../electron/api.ts';

export interface RescueApi {
  systems(): Promise<UiSystems>;
  /** A locked system's inside, looked at with its passphrase (the engine keeps neither). */
  unlock(system: string, passphrase: string): Promise<UiSystem>;
  planRepair(req: RepairRequest): Promise<RepairOutcome>;
  /** Runs the kept plan; the password (password repair) and an encrypted system's passphrase go with it, once. */
  repair(planId: string, password?: string, passphrase?: string): Promise<unknown>;
  cancel(): Promise<unknown>;
  terminal(system: string, locale: string): Promise<TerminalOutcome>;
  subscribe(onMessage: (m: ServiceMessage) => void): () => void;
}

/** A service error's code (the engine's CodedError), for words in the reader's language. */
export function codedOf(e: unknown): { code: string; params: Record<string, string | number> } | null {
  return (e as { data?: { coded?: { code: string; params: Record<string, string | number> } | null } }).data?.coded ?? null;
}
