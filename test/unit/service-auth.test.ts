// The service's gate, over a real loopback server: token, Origin, Host (exactly one: two or none is a
// 400, RFC 9112), loopback binding, the CSP, and a real tRPC WebSocket client that is let in only with
// the token from its own origin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { startService, type RunningService } from '../../electron/engine/service/server.ts';
import type { EnginePort } from '../../electron/engine/service/port.ts';
import type { AppRouter } from '../../electron/api.ts';
import { checkRequest } from '../../electron/engine/service/auth.ts';

const engine: EnginePort = {
  facts: async () => ({ firmware: 'uefi', arch: 'x64', ramBytes: 1, gpuVendors: [], cmdline: '', cmdlineLocale: null, sysroots: [], disks: [], demo: true }),
  validate: async () => [],
  plan: async () => ({ ok: false, problems: [{ path: 'hostname', code: 'hostname.invalid', message: 'bad' }], refusals: [] }),
  replan: async () => ({ ok: false, problems: [], refusals: [] }),
  confirm: async () => ({ secrets: [] }),
  install: async () => ({ ok: true, cancelled: false }),
};

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

/** Sends `head` as it is on a fresh connection and returns the response's status line. */
function raw(origin: string, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(Number(new URL(origin).port), '127.0.0.1');
    let got = '';
    sock.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n')) sock.destroy();
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(got.split('\r\n', 1)[0]!));
    sock.setTimeout(20_000, () => sock.destroy(new Error(`no answer to ${JSON.stringify(head)}`)));
    sock.write(head);
  });
}

describe('service auth', () => {
  let svc: RunningService;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-svc-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    svc = await startService({ engine, rendererDir: dir });
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds loopback only', async () => {
    expect(svc.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(svc.origin).port;
    const others = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal);
    for (const i of others) {
      await expect(get(`http://${i!.address}:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('refuses a wrong token with 401', async () => {
    expect((await get(`${svc.origin}/?token=nope`)).status).toBe(401);
  });

  it('serves the page with a strict CSP and sets no cookie (a 127.0.0.1 cookie would reach every local port)', async () => {
    const first = await get(svc.url);
    expect(first.status).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers['cache-control']).toBe('no-store');
    const page = await get(`${svc.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<title>x</title>');
  });

  it('refuses a foreign Origin or Host even with the right token', async () => {
    expect((await get(svc.url, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(svc.url, { Host: 'evil.example' })).status).toBe(403);
  });

  it('answers 400 to two Host headers or none, for a page and for the WebSocket upgrade', async () => {
    const host = new URL(svc.origin).host;
    const upgradeHeaders = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${svc.origin}\r\n`;
    const ws = `GET /trpc?token=${svc.token} HTTP/1.1\r\n${upgradeHeaders}`;
    // The controls: one Host header is let through (the page; the upgrade switches protocols).
    expect(await raw(svc.origin, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
    expect(await raw(svc.origin, `${ws}Host: ${host}\r\n\r\n`)).toBe('HTTP/1.1 101 Switching Protocols');
    for (const second of [host, 'evil.example']) {
      expect(await raw(svc.origin, `GET / HTTP/1.1\r\nHost: ${host}\r\nHost: ${second}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
      expect(await raw(svc.origin, `${ws}Host: ${host}\r\nHost: ${second}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    }
    // HTTP/1.0 may omit Host (node itself refuses an HTTP/1.1 request without one): the service does not.
    expect(await raw(svc.origin, 'GET / HTTP/1.0\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(svc.origin, `GET /trpc?token=${svc.token} HTTP/1.0\r\n${upgradeHeaders}\r\n`)).toBe('HTTP/1.1 400 Bad Request');
  });

  it('refuses WebSocket upgrades without token, with a foreign or missing Origin', async () => {
    const ws = svc.origin.replace('http', 'ws') + '/trpc';
    expect(await upgrade(ws, { Origin: svc.origin })).toBe(401);
    expect(await upgrade(ws + '?token=wrong', { Origin: svc.origin })).toBe(401);
    const withToken = `${ws}?token=${svc.token}`;
    // A cookie is no credential at all.
    expect(await upgrade(ws, { Origin: svc.origin, Cookie: `livekit_token=${svc.token}` })).toBe(401);
    expect(await upgrade(withToken, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(withToken, {})).toBe(403);
    expect(await upgrade(withToken, { Origin: svc.origin })).toBe(101);
  });

  it('answers typed RPC calls to a client holding the token', async () => {
    const origin = svc.origin;
    const token = svc.token;
    class Authed extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { Origin: origin } });
      }
    }
    const wsClient = createWSClient({ url: `${origin.replace('http', 'ws')}/trpc?token=${token}`, WebSocket: Authed as never });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    try {
      const facts = await client.facts.query({ lang: 'en' });
      expect(facts.demo).toBe(true);
      const planned = await client.plan.mutate({ hostname: 'x' });
      expect(planned.ok).toBe(false);
      await expect(client.facts.query({ lang: 'en', bogus: 1 } as never)).rejects.toThrow();
    } finally {
      await wsClient.close();
    }
  });
});

describe('checkRequest (pure)', () => {
  const opts = { token: 'T0K', origin: 'http://127.0.0.1:9' };
  it('accepts the token in the upgrade URL from the own origin; a page without it', () => {
    expect(checkRequest({ url: '/trpc?token=T0K', hostHeaders: 1, host: '127.0.0.1:9', origin: 'http://127.0.0.1:9', upgrade: true }, opts)).toEqual({ ok: true });
    expect(checkRequest({ url: '/trpc', hostHeaders: 1, host: '127.0.0.1:9', origin: 'http://127.0.0.1:9', upgrade: true }, opts)).toEqual({ ok: false, status: 401, reason: 'missing token' });
    expect(checkRequest({ url: '/', hostHeaders: 1, host: '127.0.0.1:9', upgrade: false }, opts)).toEqual({ ok: true });
  });
  it('rejects a token of another length or value', () => {
    expect(checkRequest({ url: '/?token=T0', hostHeaders: 1, host: '127.0.0.1:9', upgrade: false }, opts)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ url: '/?token=T0X', hostHeaders: 1, host: '127.0.0.1:9', upgrade: false }, opts)).toMatchObject({ ok: false, status: 401 });
  });
  it('rejects a request with two Host headers or none (RFC 9112: 400)', () => {
    expect(checkRequest({ url: '/', hostHeaders: 2, host: '127.0.0.1:9', upgrade: false }, opts)).toEqual({ ok: false, status: 400, reason: 'more than one Host header' });
    expect(checkRequest({ url: '/', hostHeaders: 0, upgrade: false }, opts)).toEqual({ ok: false, status: 400, reason: 'no Host header' });
    expect(checkRequest({ url: '/trpc?token=T0K', hostHeaders: 2, host: '127.0.0.1:9', origin: 'http://127.0.0.1:9', upgrade: true }, opts)).toMatchObject({ ok: false, status: 400 });
  });
  it('rejects a DNS-rebinding Host', () => {
    expect(checkRequest({ url: '/?token=T0K', hostHeaders: 1, host: 'attacker:9', upgrade: false }, opts)).toMatchObject({ ok: false, status: 403 });
  });
});
