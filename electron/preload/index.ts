// The preload (sandboxed, isolated): hands the renderer the engine's address and token, nothing else.
// Bundled to preload/index.cjs for Electron (sandboxed preloads cannot load other local files).
import { contextBridge } from 'electron';
import { engineFromArgv } from './args.ts';

const engine = engineFromArgv(process.argv);
if (engine) contextBridge.exposeInMainWorld('livekit', Object.freeze({ engineUrl: engine.engineUrl, token: engine.token }));
