// Serves the built renderer (vite's output) from one directory, never outside it.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Resolves a URL path inside `root`; unknown paths fall back to index.html (a single-page app). */
export async function staticFile(root: string, urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  } catch {
    return null;
  }
  if (rel.split(sep).includes('..')) return null;
  let file = join(root, rel || 'index.html');
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) {
    if (extname(rel)) return null;
    file = join(root, 'index.html');
  }
  const body = await readFile(file).catch(() => null);
  if (!body) return null;
  return { body, type: TYPES[extname(file)] ?? 'application/octet-stream' };
}
