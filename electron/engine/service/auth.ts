// Who may talk to the engine: the holder of the token printed at start, from the service's own origin.
// Pure checks on a request's URL and headers; the server applies the verdict.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_COOKIE = 'livekit_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export interface RequestFacts {
  url: string;
  host?: string;
  origin?: string;
  cookie?: string;
  /** True for a WebSocket upgrade: its Origin is mandatory. */
  upgrade: boolean;
}

export type Verdict =
  | { ok: true; via: 'cookie' | 'query'; setCookie?: string }
  | { ok: false; status: 401 | 403; reason: string };

/**
 * `origin` is the service's own origin (`http://127.0.0.1:PORT`). A token in the query is accepted and
 * turned into an HttpOnly, SameSite=Strict cookie so later requests (assets, the WebSocket) carry it.
 */
export function checkRequest(req: RequestFacts, opts: { token: string; origin: string }): Verdict {
  const own = new URL(opts.origin);
  if (req.host !== own.host) return { ok: false, status: 403, reason: 'foreign host' };
  if (req.origin !== undefined && req.origin !== opts.origin) return { ok: false, status: 403, reason: 'foreign origin' };
  if (req.upgrade && req.origin === undefined) return { ok: false, status: 403, reason: 'missing origin' };
  const url = new URL(req.url, opts.origin);
  const queryToken = url.searchParams.get('token');
  if (queryToken !== null) {
    if (!tokenMatches(queryToken, opts.token)) return { ok: false, status: 401, reason: 'wrong token' };
    return { ok: true, via: 'query', setCookie: tokenCookie(opts.token) };
  }
  const cookieToken = parseCookies(req.cookie)[TOKEN_COOKIE];
  if (tokenMatches(cookieToken, opts.token)) return { ok: true, via: 'cookie' };
  return { ok: false, status: 401, reason: cookieToken ? 'wrong token' : 'missing token' };
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
