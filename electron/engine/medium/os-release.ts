// /etc/os-release (or /usr/lib/os-release) of a sysroot, parsed as data (never sourced).
import { readTextInRoot } from './in-root.ts';

/** KEY=value lines; values unquoted, '...' or "..." (with \" \\ \$ \` escapes). Invalid lines are skipped. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
      v = v.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
    } else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) {
      v = v.slice(1, -1);
    } else if (/[\s"'$`\\]/.test(v)) {
      continue; // not a plain word: the spec requires quoting
    }
    out[m[1]!] = v;
  }
  return out;
}

export async function readOsRelease(root: string): Promise<Record<string, string>> {
  const text = (await readTextInRoot(root, 'etc/os-release')) ?? (await readTextInRoot(root, 'usr/lib/os-release'));
  return text === undefined ? {} : parseOsRelease(text);
}
