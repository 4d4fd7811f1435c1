// The preload (sandboxed, isolated): lets the renderer ask the main process for the engine's address
// and token, nothing else. Bundled to preload/index.cjs for Electron (sandboxed preloads cannot load
// other local files, so the channel name is repeated here rather than imported from main/).
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('livekit', Object.freeze({ engine: () => ipcRenderer.invoke('livekit:engine') }));
