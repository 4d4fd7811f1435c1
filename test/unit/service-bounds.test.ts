// Bounded input: an oversized WebSocket message is refused without being buffered (the real service
// process's peak RSS stays under 200 MiB after an 80 MiB message), a client that never sends its request
// (and so its token) is disconnected, and error replies carry no server stack trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from '@trpc/client';
import { engineCommand, launchEngine, type LaunchedEngine } from '../../electron/main/engine-launch.ts';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { AppRouter } from '../../electron/api.ts';

const MiB = 1024 * 1024;

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-bounds-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unauthenticated clients and error replies', () => {
  const engine: EnginePort = {
    facts: async () => {
      throw new Error('boom inside the engine');
    },
    validate: async () => [],
    plan: async () => ({ ok: false, problems: [], refusals: [] }),
    replan: async () => ({ ok: false, problems: [], refusals: [] }),
    confirm: async () => ({ secrets: [] }),
    install: async () => ({ ok: false, cancelled: false }),
  };
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ engine, rendererDir: dir });
  });
  afterAll(() => svc.close());

  it('answers errors with a code and message, never a stack trace', async () => {
    const wsClient = createWSClient({ url: `${svc.origin.replace('http', 'ws')}/trpc?token=${svc.token}`, WebSocket: class extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { Origin: svc.origin } });
      }
    } as never });
    try {
      const rpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
      for (const call of [() => rpc.facts.query({ lang: 'en' }), () => rpc.install.mutate({ planId: '' }), () => rpc.facts.query({ lang: 'en', bogus: 1 } as never)]) {
        const err = await call().then(() => null, (x: unknown) => x);
        expect(err).toBeInstanceOf(TRPCClientError);
        const e = err as TRPCClientError<AppRouter>;
        expect(JSON.stringify(e.data)).not.toMatch(/stack|\bat .*\.ts:\d+/);
        expect(e.message).not.toMatch(/\n\s+at /);
      }
    } finally {
      await wsClient.close();
    }
  });
});

describe('the real service process: bounded input', () => {
  let e: LaunchedEngine;
  beforeAll(async () => {
    e = await launchEngine(engineCommand({ isRoot: true, livekit: ['bin/livekit'], extra: ['--renderer', dir, '--cmdline-file', '/dev/null'] }), { timeoutMs: 60_000 });
  });
  afterAll(async () => {
    e.stop();
    await new Promise((r) => e.child.once('exit', r));
  });

  it('closes the connection (1009) without buffering it; peak RSS stays under 200 MiB; the service still answers', async () => {
    const pid = e.child.pid!;
    const before = status(pid, 'VmRSS');
    const ws = new WebSocket(`${e.origin.replace('http', 'ws')}/trpc?token=${e.token}`, { headers: { Origin: e.origin } });
    await new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j)));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {}); // the server cuts the stream mid-send
    ws.send('x'.repeat(80 * MiB));
    expect(await closed).toBe(1009);
    const peak = status(pid, 'VmHWM');
    console.log(`service RSS before ${(before / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`);
    expect(peak).toBeLessThan(200 * MiB);

    const wsClient = createWSClient({ url: `${e.origin.replace('http', 'ws')}/trpc?token=${e.token}`, WebSocket: class extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { Origin: e.origin } });
      }
    } as never });
    try {
      const rpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
      expect((await rpc.state.query()).phase).toBe('idle');
    } finally {
      await wsClient.close();
    }
  });
  it('disconnects a client that never sends its request (its token) within the handshake time (10 s)', async () => {
    const port = Number(new URL(e.origin).port);
    const runs = ['', 'GET /trpc HTTP/1.1\r\nHost: 127.0.0.1\r\n'].map(async (partial) => {
      const started = Date.now();
      const sock = connect(port, '127.0.0.1');
      sock.on('error', () => {});
      sock.write(partial);
      const closed = await Promise.race([
        new Promise<boolean>((r) => sock.once('close', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
      ]);
      sock.destroy();
      return { partial, closed, ms: Date.now() - started };
    });
    for (const r of await Promise.all(runs)) {
      expect(r.closed, `still open after 20 s having sent ${JSON.stringify(r.partial)}`).toBe(true);
      expect(r.ms).toBeGreaterThanOrEqual(9_000);
      expect(r.ms).toBeLessThan(15_000);
    }
  }, 30_000);
});
