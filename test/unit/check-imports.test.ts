// The import boundary check (scripts/check-imports.ts): how it reads imports, and that the tree passes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, importsOf } from '../../scripts/check-imports.ts';

describe('check-imports', () => {
  it('reads static, multi-line, type-only, re-export, side-effect and dynamic imports; skips comments', () => {
    const text = [
      "// import { no } from '../commented.ts';",
      "import { a,",
      "  b } from './a.ts';",
      "import type { T } from '../engine/t.ts';",
      "export { v } from './shared/v.ts';",
      "export type { U } from './engine/u.ts';",
      "import './styles.css';",
      "const m = await import('../lazy.ts');",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { spec: './a.ts', typeOnly: false, reexport: false },
      { spec: '../engine/t.ts', typeOnly: true, reexport: false },
      { spec: './shared/v.ts', typeOnly: false, reexport: true },
      { spec: './engine/u.ts', typeOnly: true, reexport: true },
      { spec: './styles.css', typeOnly: false, reexport: false },
      { spec: '../lazy.ts', typeOnly: false, reexport: false },
    ]);
  });
  it('finds no violation in the tree', () => {
    expect(check()).toEqual([]);
  });
  it('names each crossing in a tree that breaks the boundary', () => {
    const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      put('electron/engine/service/router.ts', 'export type AppRouter = 1;\n');
      put('electron/engine/facts.ts', 'export type F = 1;\n');
      put('electron/main/index.ts', "import { csp } from '../engine/service/csp.ts';\nimport { ok } from '../shared/ok.ts';\n");
      put('electron/preload/index.ts', "import type { F } from '../engine/facts.ts';\n");
      put('renderer/App.tsx', "import { x } from './x.ts';\nimport type { A } from '../electron/api.ts';\nimport { y } from '../test/helpers/y.ts';\n");
      put('electron/shared/ok.ts', "import type { F } from '../engine/facts.ts';\nimport { z } from 'zod';\n");
      put('electron/api.ts', "export type { AppRouter } from './engine/service/router.ts';\nexport type { F } from './engine/facts.ts';\nexport { ok } from './shared/ok.ts';\n");
      expect(check(root)).toEqual([
        'renderer/App.tsx: imports ../test/helpers/y.ts (only its own folder, electron/shared/ and electron/api.ts)',
        'electron/main/index.ts: imports ../engine/service/csp.ts (only its own folder, electron/shared/ and electron/api.ts)',
        'electron/preload/index.ts: imports ../engine/facts.ts (only its own folder, electron/shared/ and electron/api.ts)',
        'electron/shared/ok.ts: imports ../engine/facts.ts, outside electron/shared/',
        "electron/api.ts: takes ./engine/facts.ts, outside electron/shared/ (only the router's type may come from the engine)",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
