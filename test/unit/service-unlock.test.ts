// The wizard's way to a locked system, over the service's real WebSocket (tRPC, the router, the repair
// controller and its hub), with a rescue port that records what reaches it: the passphrase comes with the
// calls that need it (unlock, planRepair, repair) and only those; a plan that opens a container does not
// start without it; a wrong one is a coded BAD_REQUEST; and what the repair's commands print, even when it
// echoes the passphrase or the password, reaches no client: the hub scrubs both while the repair runs.
// The engine's own unlock, on a real LUKS container, is test/integration/rescue-unlock.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { RescuePort } from '../../electron/engine/service/rescue.ts';
import { WrongPassphraseError } from '../../electron/engine/rescue/unlock.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';
import type { RepairPlan, RepairRequest, UiSystem } from '../../electron/shared/rescue.ts';
import type { ServiceMessage } from '../../electron/shared/service.ts';
import { rpcClient } from '../e2e/serve.ts';

const PASSPHRASE = 'open sesame 芝麻开门';
const PASSWORD = 'New-Pass-1';
const ID = 'sdb3';
/** The golden plan of a password repair on a locked system: its first step opens the container. */
const PLAN = (JSON.parse(readFileSync(new URL('../fixtures/repair-plans/locked-password-alice.json', import.meta.url), 'utf8')) as { plan: RepairPlan }).plan;

const engine: EnginePort = {
  facts: async () => ({ firmware: 'uefi', arch: 'x64', ramBytes: 1, gpuVendors: [], cmdline: '', cmdlineLocale: null, sysroots: [], disks: [], demo: true }),
  validate: async () => [],
  plan: async () => ({ ok: false, problems: [], refusals: [] }),
  replan: async () => ({ ok: false, problems: [], refusals: [] }),
  confirm: async () => ({ secrets: [] }),
  install: async () => ({ ok: true, cancelled: false }),
};

const INSIDE: UiSystem = {
  id: ID, name: 'Debian GNU/Linux 12 (bookworm)', disk: '/dev/sdb', diskBytes: 1, root: { device: PLAN.system.root, fstype: 'ext4' },
  firmware: 'uefi', firmwareMatches: true, kernels: [], users: ['alice'], problems: [], refusals: [], encrypted: { device: '/dev/sdb3' },
};

/** Records every call and the secrets that came with it; its "commands" echo both secrets into their output. */
class RecordingRescue implements RescuePort {
  calls: { call: string; passphrase?: string; password?: string }[] = [];
  systems = async () => ({ systems: [], locked: [{ id: ID, device: '/dev/sdb3', disk: '/dev/sdb', luks: { uuid: 'u' }, sizeBytes: 1, refusals: [], diskBytes: 1 }], others: [] });
  terminal = async () => ({ started: false, command: [] });
  async unlock(req: { system: string; passphrase: string }) {
    this.calls.push({ call: `unlock ${req.system}`, passphrase: req.passphrase });
    if (req.passphrase !== PASSPHRASE) throw new WrongPassphraseError('/dev/sdb3');
    return INSIDE;
  }
  async planRepair(req: RepairRequest) {
    this.calls.push({ call: `plan ${req.repair}`, ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}) });
    return { ok: true as const, plan: PLAN, planId: 'plan-1' };
  }
  async confirmRepair(planId: string) {
    this.calls.push({ call: `confirm ${planId}` });
    return { plan: PLAN };
  }
  async runRepair(planId: string, opts: { password?: string; passphrase?: string; onEvent: (e: InstallEvent) => void }) {
    this.calls.push({ call: `run ${planId}`, ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}), ...(opts.password !== undefined ? { password: opts.password } : {}) });
    opts.onEvent({ type: 'step', step: 'unlock', label: 'plan:step.unlock', index: 0, count: 1, state: 'start' });
    opts.onEvent({ type: 'log', level: 'debug', message: `a command that echoed its stdin: ${opts.passphrase} / alice:${opts.password}` });
    opts.onEvent({ type: 'error', step: 'unlock', message: `failed near ${opts.passphrase}`, stderrTail: `${opts.password}\n` });
    opts.onEvent({ type: 'done', ok: false });
    return { ok: false, cancelled: false };
  }
}

describe('unlocking and repairing a locked system over the service', () => {
  let dir: string;
  let svc: RunningService;
  let client: Awaited<ReturnType<typeof rpcClient>>;
  const rescue = new RecordingRescue();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-svc-unlock-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    svc = await startService({ engine, rendererDir: dir, rescue });
    client = await rpcClient(svc);
  });
  afterAll(async () => {
    await client?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the locked system; a wrong passphrase is a coded BAD_REQUEST that does not repeat it; the right one gives the system inside', async () => {
    expect((await client.rpc.systems.query()).locked.map((l) => l.id)).toEqual([ID]);
    const wrong = await client.rpc.unlock.mutate({ system: ID, passphrase: 'nope' }).then(
      () => null,
      (e: unknown) => e as { message: string; data?: { code?: string; coded?: { code: string; params: Record<string, string> } | null } },
    );
    expect(wrong?.data?.code).toBe('BAD_REQUEST');
    expect(wrong?.data?.coded).toEqual({ code: 'wrong-passphrase', params: { device: '/dev/sdb3' } });
    expect(wrong?.message).not.toContain('nope');
    expect(await client.rpc.unlock.mutate({ system: ID, passphrase: PASSPHRASE })).toEqual(INSIDE);
    // An empty or oversized passphrase never reaches the engine.
    await expect(client.rpc.unlock.mutate({ system: ID, passphrase: '' })).rejects.toThrow();
    await expect(client.rpc.unlock.mutate({ system: ID, passphrase: 'x'.repeat(1025) })).rejects.toThrow();
    expect(rescue.calls.filter((c) => c.call.startsWith('unlock'))).toHaveLength(2);
  });

  it('plans with the passphrase; the plan names the container and the secret\'s reference, never the passphrase', async () => {
    const planned = await client.rpc.planRepair.mutate({ system: ID, repair: 'password', user: 'alice', passphrase: PASSPHRASE });
    if (!planned.ok) throw new Error(JSON.stringify(planned));
    expect(planned.plan.steps[0]!.actions[0]).toEqual({ kind: 'open-luks', device: '/dev/sdb3', name: PLAN.partitions[0]!.luks!.name, secret: 'encryption.passphrase', type: 'luks' });
    expect(JSON.stringify(planned)).not.toContain(PASSPHRASE);
    expect(rescue.calls.at(-1)).toEqual({ call: 'plan password', passphrase: PASSPHRASE });
  });

  it('a repair of a plan that opens a container does not start without the passphrase', async () => {
    const before = rescue.calls.length;
    const refused = await client.rpc.repair.mutate({ planId: 'plan-1', password: PASSWORD }).then(
      () => null,
      (e: unknown) => e as { data?: { code?: string; coded?: { code: string } | null } },
    );
    expect(refused?.data?.code).toBe('BAD_REQUEST');
    expect(refused?.data?.coded?.code).toBe('passphrase-needed');
    expect(rescue.calls.slice(before).map((c) => c.call)).toEqual(['confirm plan-1']);
  });

  it('runs with both secrets, which reach the rescue port once and no client: every event is scrubbed', async () => {
    const seen: ServiceMessage[] = [];
    const ac = new AbortController();
    const sub = client.rpc.repairEvents.subscribe(undefined, { onData: (m) => seen.push(m as ServiceMessage), signal: ac.signal });
    // Subscribed (its first message is the snapshot) before the repair starts.
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await client.rpc.repair.mutate({ planId: 'plan-1', password: PASSWORD, passphrase: PASSPHRASE });
    await svc.repairs!.current;
    for (let i = 0; i < 50 && !seen.some((m) => m.type === 'event' && m.event.type === 'done'); i++) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    ac.abort();
    expect(rescue.calls.at(-1)).toEqual({ call: 'run plan-1', passphrase: PASSPHRASE, password: PASSWORD });
    const text = JSON.stringify(seen);
    expect(seen.some((m) => m.type === 'event' && m.event.type === 'log')).toBe(true);
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain(PASSWORD);
    const state = await client.rpc.repairState.query();
    expect(JSON.stringify(state)).not.toContain(PASSPHRASE);
    expect(state.state.phase).toBe('failed');
    // Over: the service holds neither secret any more (the hub kept them for scrubbing while it ran).
    expect((svc.repairs!.hub as unknown as { secrets: string[] }).secrets).toEqual([]);
  });
});
