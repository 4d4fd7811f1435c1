// Fails on a missing or unused translation key, over every namespace in locales/<lng>/<ns>.json:
//  - missing: a key present in one language but not another; a key the code uses that en lacks (app)
//  - unused: a key no source file refers to (by its full key, `ns:key`, a dynamic prefix such as
//    t(`user.strength.${x}`), or — for codes built by the engine — its last segment as a string literal)
// Run: npx tsx scripts/check-i18n.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const LANGS = ['en', 'zh-CN', 'zh-TW'];
const SOURCES = ['renderer', 'electron'];

function flatten(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'node_modules' || n === 'dist') return [];
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

const problems: string[] = [];
const namespaces = new Set(LANGS.flatMap((l) => readdirSync(join(ROOT, 'locales', l)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))));
const keys: Record<string, Record<string, Set<string>>> = {};
for (const ns of namespaces) {
  keys[ns] = {};
  for (const l of LANGS) {
    let data: unknown = {};
    try {
      data = JSON.parse(readFileSync(join(ROOT, 'locales', l, `${ns}.json`), 'utf8'));
    } catch (e) {
      problems.push(`${l}/${ns}.json: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing file' : (e as Error).message}`);
    }
    keys[ns]![l] = new Set(flatten(data));
  }
  for (const l of LANGS.slice(1)) {
    for (const k of keys[ns]!.en!) if (!keys[ns]![l]!.has(k)) problems.push(`missing ${l}/${ns}.json: ${k}`);
    for (const k of keys[ns]![l]!) if (!keys[ns]!.en!.has(k)) problems.push(`missing en/${ns}.json: ${k} (present in ${l})`);
  }
}

const files = SOURCES.flatMap((d) => walk(join(ROOT, d)));
const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
const literals = new Set([...text.matchAll(/['"`]([^'"`\s${}]+)['"`]/g)].map((m) => m[1]!));
const prefixes = [...text.matchAll(/t\(\s*`([^`$]*)\$\{/g)].map((m) => m[1]!);

// Static keys the renderer asks for in its default namespace must exist.
for (const f of files.filter((p) => p.startsWith(join(ROOT, 'renderer')))) {
  for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([^':]+)'/g)) {
    if (!keys.app?.en?.has(m[1]!)) problems.push(`missing en/app.json: ${m[1]} (used in ${relative(ROOT, f)})`);
  }
}

for (const ns of namespaces) {
  for (const k of keys[ns]!.en!) {
    const full = `${ns}:${k}`;
    const last = k.split('.').pop()!;
    const used =
      literals.has(k) || literals.has(full) || prefixes.some((p) => full.startsWith(p) || (ns === 'app' && k.startsWith(p))) || (ns !== 'app' && literals.has(last));
    if (!used) problems.push(`unused ${ns}:${k}`);
  }
}

if (problems.length) {
  process.stderr.write(`check-i18n: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`check-i18n: ${[...namespaces].length} namespaces × ${LANGS.length} languages complete, no unused key\n`);
