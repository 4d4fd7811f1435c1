// The Electron entry: the only main-process file that imports `electron`. Everything it decides comes from
// the plain modules beside it (window options, navigation rules, engine launch), tested without Electron.
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentSecurityPolicy } from '../shared/csp.ts';
import { attachEngine, engineCommand, launchEngine, launchFailureMessage, type EngineConnection } from './engine-launch.ts';
import { ENGINE_CHANNEL, engineHandoff } from './engine-handoff.ts';
import { DENY_WINDOW, allowPermission, isAllowedNavigation } from './navigation.ts';
import { isLiveInstallerSession, windowOptions } from './window.ts';

const here = dirname(fileURLToPath(import.meta.url));
let engine: EngineConnection | null = null;

async function main(): Promise<void> {
  await app.whenReady();
  const livekit = process.env.LIVEKIT_BIN ? [process.env.LIVEKIT_BIN] : ['/usr/bin/livekit'];
  // The Live session's launcher names the running service's URL file; anywhere else the UI starts its own.
  const urlFile = process.env.LIVEKIT_ENGINE_URL_FILE;
  try {
    engine = urlFile
      ? await attachEngine(urlFile)
      : await launchEngine(engineCommand({ isRoot: process.getuid?.() === 0, livekit, demo: process.argv.includes('--demo') }));
  } catch (e) {
    dialog.showErrorBox('LiveKit Installer', launchFailureMessage(e));
    app.exit(1);
    return;
  }
  const origin = engine.origin;
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(allowPermission(permission)));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(origin)] } });
  });
  const win = new BrowserWindow(windowOptions({ liveSession: isLiveInstallerSession(process.env), preloadPath: join(here, '..', 'preload', 'index.cjs') }));
  // The token goes to the installer's own frame over IPC, never on a command line.
  const handoff = engineHandoff(engine, () => (win.isDestroyed() ? null : win.webContents.id));
  ipcMain.handle(ENGINE_CHANNEL, (event) => handoff({ webContentsId: event.sender.id, frameUrl: event.senderFrame?.url }));
  win.webContents.setWindowOpenHandler(() => DENY_WINDOW);
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, origin)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  // The origin only: the token is not needed (nor wanted) in the address.
  await win.loadURL(`${origin}/`);
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => engine?.stop());
void main();
