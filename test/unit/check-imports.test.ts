// The import boundary check (scripts/check-imports.ts): how it reads imports, and that the tree passes.
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
});
