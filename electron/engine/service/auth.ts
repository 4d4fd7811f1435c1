// Who may talk to the engine: the holder of the token printed at start, from the service's own origin.
// Pure checks on a request's URL and headers; the server applies the verdict.
//
// No cookie: browsers send a 127.0.0.1 cookie to every port of 127.0.0.1, so any local listener a page
// is sent to could collect it. The token travels only in the WebSocket's URL (`/trpc?token=`); the page
// keeps it in its own origin's memory (sessionStorage is per port) or gets it from Electron's preload.
// The static renderer is no secret and is served without a token (the Host and Origin checks still
// apply, against DNS rebinding); a wrong `?token=` is refused so a stale link says so at once.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RequestFacts {
  url: string;
  host?: string;
  /** How many Host headers the request has: exactly one, or it is malformed (RFC 9112, 3.2). */
  hostHeaders: number;
  origin?: string;
  /** True for a WebSocket upgrade: its Origin and token are mandatory. */
  upgrade: boolean;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; reason: string };

/** `origin` is the service's own origin (`http://127.0.0.1:PORT`). */
export function checkRequest(req: RequestFacts, opts: { token: string; origin: string }): Verdict {
  const own = new URL(opts.origin);
  if (req.hostHeaders !== 1) return { ok: false, status: 400, reason: req.hostHeaders === 0 ? 'no Host header' : 'more than one Host header' };
  if (req.host !== own.host) return { ok: false, status: 403, reason: 'foreign host' };
  if (req.origin !== undefined && req.origin !== opts.origin) return { ok: false, status: 403, reason: 'foreign origin' };
  if (req.upgrade && req.origin === undefined) return { ok: false, status: 403, reason: 'missing origin' };
  const queryToken = new URL(req.url, opts.origin).searchParams.get('token');
  if (queryToken !== null && !tokenMatches(queryToken, opts.token)) return { ok: false, status: 401, reason: 'wrong token' };
  if (req.upgrade && queryToken === null) return { ok: false, status: 401, reason: 'missing token' };
  return { ok: true };
}
