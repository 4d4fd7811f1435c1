// The engine's address and token reach the renderer from the main process over IPC (the preload asks),
// never on a command line (`/proc/*/cmdline` is readable by every local user). Only a frame of the
// engine's own origin in the installer's own window gets an answer. Plain Node: tested without Electron.

export const ENGINE_CHANNEL = 'livekit:engine';

export interface Handoff {
  engineUrl: string;
  token: string;
}

/** The IPC handler's decision: the handoff for the installer's frame, an error for anything else. */
export function engineHandoff(engine: { origin: string; token: string }, ownWebContentsId: () => number | null) {
  return (sender: { webContentsId: number; frameUrl: string | undefined }): Handoff => {
    let origin = '';
    try {
      origin = new URL(sender.frameUrl ?? '').origin;
    } catch {
      /* not a URL: refused below */
    }
    if (sender.webContentsId !== ownWebContentsId() || origin !== engine.origin) throw new Error('refused: not the installer window');
    return { engineUrl: engine.origin, token: engine.token };
  };
}
