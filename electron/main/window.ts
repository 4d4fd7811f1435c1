// The installer window's options: full screen in the Live installer session, a normal window elsewhere;
// always isolated, sandboxed and without Node in the renderer.
import type { BrowserWindowConstructorOptions } from 'electron';

/** The Live medium's installer session sets LIVEKIT_INSTALLER_SESSION=1 (its session file exports it). */
export function isLiveInstallerSession(env: NodeJS.ProcessEnv): boolean {
  return env.LIVEKIT_INSTALLER_SESSION === '1' || env.XDG_SESSION_DESKTOP === 'livekit-installer';
}

export interface WindowInputs {
  liveSession: boolean;
  preloadPath: string;
}

export function windowOptions(i: WindowInputs): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    title: 'LiveKit Installer',
    show: false,
    fullscreen: i.liveSession,
    // In the Live session nothing else should cover or replace the installer.
    kiosk: false,
    autoHideMenuBar: true,
    backgroundColor: '#f5f7fa',
    webPreferences: {
      preload: i.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}
