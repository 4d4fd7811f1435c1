// The import boundary: the renderer and the Electron shell reach the engine's code only through
// electron/shared/ (and electron/api.ts, its face). Fails, naming each file and import, when:
//  - a file under renderer/, electron/main/ or electron/preload/ imports a project file outside its own
//    folder, electron/shared/ and electron/api.ts;
//  - electron/shared/ imports any project file outside itself (types included: it is the contract
//    the engine, the CLI, the service and the renderer share, and depends on none of them);
//  - electron/api.ts re-exports anything from outside electron/shared/ but the service's router type.
// Run: npx tsx scripts/check-imports.ts   (scripts/test-all.sh runs it)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
/** The one thing api.ts may take from the engine: the tRPC router's type, which is the RPC contract. */
const ROUTER_TYPE = join('electron', 'engine', 'service', 'router.ts');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'node_modules' || n === 'dist') return [];
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

interface Import {
  spec: string;
  typeOnly: boolean;
  /** `export ... from` rather than `import`. */
  reexport: boolean;
}

/** Static imports and re-exports, and dynamic import() with a literal. Comments are skipped. */
export function importsOf(text: string): Import[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: Import[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[4]!, typeOnly: !!m[2], reexport: m[1] === 'export' });
  }
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1]!, typeOnly: false, reexport: false });
  for (const m of code.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false, reexport: false });
  return out;
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);

export function check(root = ROOT): string[] {
  const SHARED = join(root, 'electron', 'shared');
  const API = join(root, 'electron', 'api.ts');
  const AREAS = ['renderer', join('electron', 'main'), join('electron', 'preload')].map((a) => join(root, a));
  const problems: string[] = [];
  const rel = (p: string) => relative(root, p);
  for (const area of AREAS) {
    for (const file of sources(area)) {
      for (const i of importsOf(readFileSync(file, 'utf8'))) {
        if (!i.spec.startsWith('.')) continue; // packages
        const target = resolve(dirname(file), i.spec);
        if (inside(target, area) || inside(target, SHARED) || target === API) continue;
        problems.push(`${rel(file)}: imports ${i.spec} (only its own folder, electron/shared/ and electron/api.ts)`);
      }
    }
  }
  for (const file of sources(SHARED)) {
    for (const i of importsOf(readFileSync(file, 'utf8'))) {
      if (!i.spec.startsWith('.')) continue;
      if (!inside(resolve(dirname(file), i.spec), SHARED)) problems.push(`${rel(file)}: imports ${i.spec}, outside electron/shared/`);
    }
  }
  for (const i of importsOf(readFileSync(API, 'utf8'))) {
    if (!i.spec.startsWith('.')) continue;
    const target = resolve(dirname(API), i.spec);
    if (inside(target, SHARED) || (i.typeOnly && target === join(root, ROUTER_TYPE))) continue;
    problems.push(`electron/api.ts: takes ${i.spec}, outside electron/shared/ (only the router's type may come from the engine)`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = check();
  if (problems.length) {
    for (const p of problems) process.stderr.write(`check-imports: ${p}\n`);
    process.exit(1);
  }
  process.stdout.write(`check-imports: renderer/, electron/main/, electron/preload/ reach the engine only through electron/shared/ and api.ts\n`);
}
