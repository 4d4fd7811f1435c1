// Event streaming over the real WebSocket: a client that connects mid-install gets the current state
// (plan, step states, progress, log tail) and then the live events; one install at a time; cancel;
// the password never reaches a client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { AppRouter, ServiceMessage, Plan } from '../../electron/api.ts';

const plan = {
  version: 1,
  steps: [
    { id: 'partition', label: 'plan:step.partition', weight: 1, actions: [] },
    { id: 'copy', label: 'plan:step.copy', weight: 8, actions: [] },
  ],
} as unknown as Plan;

const PASSWORD = 'S3cret-pass';

/** An engine whose install advances only when the test says so, and may be aborted. */
function gatedEngine() {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const engine: EnginePort = {
    facts: async () => { throw new Error('unused'); },
    validate: async () => [],
    plan: async () => ({ ok: true, plan, planId: 'p1' }),
    replan: async () => ({ ok: true, plan, planId: 'p2' }),
    confirm: async () => ({ secrets: [PASSWORD] }),
    install: async (_planId, { signal, onEvent }) => {
      const pw = PASSWORD;
      onEvent({ type: 'plan', plan });
      onEvent({ type: 'step', step: 'partition', label: 'plan:step.partition', index: 0, count: 2, state: 'start' });
      onEvent({ type: 'log', level: 'info', message: `chpasswd fed with ${pw}` });
      onEvent({ type: 'step', step: 'partition', label: 'plan:step.partition', index: 0, count: 2, state: 'done' });
      onEvent({ type: 'step', step: 'copy', label: 'plan:step.copy', index: 1, count: 2, state: 'start' });
      onEvent({ type: 'progress', step: 'copy', bytes: 50, total: 100, rate: 10, eta: 5, percent: 55 });
      await Promise.race([gate, new Promise((r) => signal.addEventListener('abort', r))]);
      if (signal.aborted) {
        onEvent({ type: 'cancelled' });
        onEvent({ type: 'done', ok: false });
        return { ok: false, cancelled: true };
      }
      onEvent({ type: 'step', step: 'copy', label: 'plan:step.copy', index: 1, count: 2, state: 'done' });
      onEvent({ type: 'done', ok: true, logPath: '/tmp/x.log' });
      return { ok: true, cancelled: false };
    },
  };
  return { engine, release: () => release() };
}

function client(svc: RunningService) {
  class Authed extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Origin: svc.origin } });
    }
  }
  const ws = createWSClient({ url: `${svc.origin.replace('http', 'ws')}/trpc?token=${svc.token}`, WebSocket: Authed as never });
  return { ws, rpc: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }) };
}

function collect(c: ReturnType<typeof client>) {
  const got: ServiceMessage[] = [];
  const sub = c.rpc.events.subscribe(undefined, { onData: (m) => got.push(m as ServiceMessage) });
  return { got, sub };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}


describe('service event replay', () => {
  let svc: RunningService;
  let dir: string;
  const g = gatedEngine();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-svc-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    svc = await startService({ engine: g.engine, rendererDir: dir });
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the state to a late client, streams to all, runs one install at a time', async () => {
    const a = client(svc);
    const sa = collect(a);
    try {
      await until(() => sa.got.length > 0);
      expect(sa.got[0]).toMatchObject({ type: 'snapshot', state: { phase: 'idle' } });
      // The wizard's session, passwords included, is kept while the install runs (a reload resumes it)...
      await a.rpc.saveSession.mutate({ page: 'summary', language: 'en', fields: { hostname: 'pc' }, secrets: { password: PASSWORD } });
      expect(await a.rpc.install.mutate({ planId: 'p1' })).toEqual({ started: true, planId: 'p1' });
      await until(() => sa.got.some((m) => m.type === 'event' && m.event.type === 'progress'));
      await expect(a.rpc.install.mutate({ planId: 'p1' })).rejects.toThrow(/already running/);

      // A second client (a reload) sees where the install is.
      const b = client(svc);
      const sb = collect(b);
      try {
        await until(() => sb.got.length > 0);
        const first = sb.got[0]!;
        if (first.type !== 'snapshot') throw new Error('expected a snapshot first');
        expect(first.state.phase).toBe('running');
        expect(first.state.steps).toEqual([
          { id: 'partition', label: 'plan:step.partition', state: 'done' },
          { id: 'copy', label: 'plan:step.copy', state: 'running' },
        ]);
        expect(first.state.progress).toMatchObject({ bytes: 50, total: 100, percent: 55 });
        expect(first.state.log.join('\n')).toContain('chpasswd fed with ***');

        g.release();
        await until(() => sb.got.some((m) => m.type === 'event' && m.event.type === 'done'));
        await until(() => sa.got.some((m) => m.type === 'event' && m.event.type === 'done'));
        expect((await b.rpc.state.query()).phase).toBe('done');
        // ...and forgotten once it has succeeded: the service holds the password no longer.
        expect((await b.rpc.session.query()).session).toBeNull();
        // A finished install is never run again by a stray retry.
        expect(await b.rpc.retry.mutate()).toMatchObject({ started: false, problems: [{ code: 'app:problem.already-done' }] });
      } finally {
        sb.sub.unsubscribe();
        await b.ws.close();
      }
      // The password never reached any client.
      expect(JSON.stringify(sa.got)).not.toContain('S3cret-pass');
    } finally {
      sa.sub.unsubscribe();
      await a.ws.close();
    }
  });

  it('cancels a running install and allows a retry', async () => {
    const e2: EnginePort = gatedEngine().engine;
    const svc2 = await startService({ engine: e2, rendererDir: dir });
    const c = client(svc2);
    const s = collect(c);
    try {
      await until(() => s.got.length > 0);
      expect(await c.rpc.install.mutate({ planId: 'p1' })).toEqual({ started: true, planId: 'p1' });
      await until(() => s.got.some((m) => m.type === 'event' && m.event.type === 'progress'));
      expect(await c.rpc.cancel.mutate()).toEqual({ cancelled: true });
      await until(() => s.got.some((m) => m.type === 'event' && m.event.type === 'done'));
      expect((await c.rpc.state.query()).phase).toBe('cancelled');
      await svc2.installs.current;
      expect(await c.rpc.retry.mutate()).toEqual({ started: true, planId: 'p2' });
      await until(() => (s.got.filter((m) => m.type === 'event' && m.event.type === 'progress').length >= 2));
    } finally {
      s.sub.unsubscribe();
      await c.ws.close();
      await svc2.close();
    }
  });
});
