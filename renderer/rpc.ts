// The typed client of the engine service. The WebSocket carries the token cookie set on the first
// page load; inside Electron the preload may also hand the token over, which is then sent in the URL.
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { AppRouter } from '../electron/api.ts';

declare global {
  interface Window {
    livekit?: { engineUrl: string; token: string };
  }
}

function wsUrl(): string {
  const base = window.livekit?.engineUrl ?? location.origin;
  const u = new URL('/trpc', base.replace(/^http/, 'ws'));
  if (window.livekit?.token) u.searchParams.set('token', window.livekit.token);
  return u.toString();
}

export const wsClient = createWSClient({ url: wsUrl, retryDelayMs: (attempt) => Math.min(250 * 2 ** attempt, 3000) });
export const rpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
