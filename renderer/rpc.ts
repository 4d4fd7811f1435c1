// The typed client of the engine service. The token travels only in the WebSocket's URL, never in a
// cookie (a 127.0.0.1 cookie reaches every local port). Inside Electron the main process hands it over
// through the preload; in a browser it comes from the address the service printed (`/?token=`), is kept
// in this origin's sessionStorage (per port, survives a reload) and removed from the address bar.
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { AppRouter } from '../electron/api.ts';

export interface EngineHandoff {
  engineUrl: string;
  token: string | null;
}

declare global {
  interface Window {
    /** Set by Electron's preload: asks the main process for the engine's address and token. */
    livekit?: { engine(): Promise<EngineHandoff> };
  }
}

const TOKEN_KEY = 'livekit-token';

/** The token from the page's own address (first load) or this origin's session (a reload). */
function pageHandoff(): EngineHandoff {
  const u = new URL(location.href);
  const given = u.searchParams.get('token');
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    u.searchParams.delete('token');
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  }
  return { engineUrl: location.origin, token: sessionStorage.getItem(TOKEN_KEY) };
}

const handoff: Promise<EngineHandoff> = window.livekit ? window.livekit.engine() : Promise.resolve(pageHandoff());

async function wsUrl(): Promise<string> {
  const { engineUrl, token } = await handoff;
  const u = new URL('/trpc', engineUrl.replace(/^http/, 'ws'));
  if (token) u.searchParams.set('token', token);
  return u.toString();
}

export const wsClient = createWSClient({ url: wsUrl, retryDelayMs: (attempt) => Math.min(250 * 2 ** attempt, 3000) });
export const rpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
