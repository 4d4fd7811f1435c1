// The engine service: one loopback HTTP server that serves the renderer and the tRPC WebSocket.
// Every request must come from the service's own origin; the WebSocket (the engine) needs the token.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { checkRequest, newToken } from './auth.ts';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../../shared/csp.ts';
import { EventHub } from './hub.ts';
import { InstallController } from './installs.ts';
import type { EnginePort } from './port.ts';
import { appRouter } from './router.ts';
import { SessionStore } from './session.ts';
import { staticFile } from './static.ts';
import { RepairController } from './repairs.ts';
import { hashPasswordsInWorker, type HashPasswords } from '../answers/hash-worker.ts';
import type { RescuePort } from './rescue.ts';

export interface ServiceOptions {
  engine: EnginePort;
  /** Maintenance of installed systems; absent: the service offers none. */
  rescue?: RescuePort;
  /** Directory of the built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** How long a connection may take to send its request (the WebSocket upgrade, which carries the token). */
  handshakeTimeoutMs?: number;
  /** Where the service's own messages go (never a token or an answer). */
  log?: (message: string) => void;
  /** How exported passwords are hashed (default: in a worker thread). */
  hashPasswords?: HashPasswords;
}

/** The largest RPC message accepted: answers are a few KiB; anything bigger is refused, never buffered. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface RunningService {
  origin: string;
  /** The URL to open: origin + `/?token=`. Print it once, never log it elsewhere. */
  url: string;
  token: string;
  hub: EventHub;
  installs: InstallController;
  session: SessionStore;
  repairs?: RepairController;
  close(): Promise<void>;
}

/** How many times a header is given: node keeps only the first Host, so the raw list is counted. */
function count(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}

function facts(req: IncomingMessage, upgrade: boolean) {
  const h = req.headers;
  return { url: req.url ?? '/', host: h.host, hostHeaders: count(req, 'host'), origin: h.origin, upgrade };
}

const STATUS_LINE = { 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden' } as const;

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const token = opts.token ?? newToken();
  const hub = new EventHub();
  const session = new SessionStore();
  let repairs: RepairController | undefined;
  // A finished install needs the wizard's passwords no more: the session (kept in memory) is forgotten.
  const installs = new InstallController(opts.engine, hub, () => repairs?.busy ?? false, () => session.clear());
  if (opts.rescue) repairs = new RepairController(opts.rescue, new EventHub(), () => installs.busy);
  let origin = '';

  // Unauthenticated clients are time-bounded: a connection that has not sent its whole request (and so
  // its token) within the handshake timeout is closed.
  const handshake = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const bounds = { headersTimeout: handshake, requestTimeout: handshake, connectionsCheckingInterval: Math.min(1000, handshake) };
  const server: Server = createServer(bounds, (req, res) => {
    req.socket.setTimeout(0);
    void (async () => {
      const verdict = checkRequest(facts(req, false), { token, origin });
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      if (!verdict.ok) {
        res.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${verdict.status}: ${verdict.reason}\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const file = await staticFile(opts.rendererDir, url.pathname);
      if (!file) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, {
        'Content-Type': file.type,
        'Content-Security-Policy': contentSecurityPolicy(origin),
        'Cache-Control': url.pathname.startsWith('/assets/') ? 'max-age=31536000, immutable' : 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: () => ({ engine: opts.engine, hub, installs, session, hashPasswords: opts.hashPasswords ?? hashPasswordsInWorker, ...(opts.rescue && repairs ? { rescue: opts.rescue, repairs } : {}), ...(opts.log ? { log: opts.log } : {}) }),
    keepAlive: { enabled: true, pingMs: 15_000, pongWaitMs: 5_000 },
  });
  // A connection that sends nothing (or never finishes its request) is closed after the handshake time.
  server.on('connection', (socket) => {
    socket.setTimeout(handshake, () => socket.destroy());
  });
  server.on('upgrade', (req, socket, head) => {
    req.socket.setTimeout(0);
    const verdict = checkRequest(facts(req, true), { token, origin });
    if (!verdict.ok || new URL(req.url ?? '/', origin).pathname !== '/trpc') {
      const status = verdict.ok ? '404 Not Found' : STATUS_LINE[verdict.status];
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: `${origin}/?token=${token}`,
    token,
    hub,
    installs,
    session,
    ...(repairs ? { repairs } : {}),
    async close() {
      installs.cancel();
      repairs?.cancel();
      await installs.current;
      await repairs?.current;
      handler.broadcastReconnectNotification();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
