// Bundles the Electron shell for the electron binary: main (ESM) and the sandboxed preload (one CJS file,
// since a sandboxed preload cannot load other local files). Output: dist/electron/.
import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const external = ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default defineConfig(({ mode }) => ({
  root,
  build: {
    outDir: mode === 'preload' ? 'dist/electron/preload' : 'dist/electron/main',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    ssr: true,
    lib: {
      entry: fileURLToPath(new URL(mode === 'preload' ? '../preload/index.ts' : './index.ts', import.meta.url)),
      formats: [mode === 'preload' ? 'cjs' : 'es'],
      fileName: () => (mode === 'preload' ? 'index.cjs' : 'index.js'),
    },
    rolldownOptions: { external },
  },
}));
