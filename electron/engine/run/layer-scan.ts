// Reads one mounted squashfs layer the way overlayfs reads it: its entries in pre-order (whiteouts told
// apart), its directories' attributes, the overlay xattrs that carry opaque dirs and redirects, and its
// size. Paths are byte strings (latin1): file names need not be UTF-8.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { CommandError, type CommandRunner } from './runner.ts';

export type EntryKind = 'dir' | 'whiteout' | 'other';

export interface LayerEntry {
  /** Relative path, bytes as latin1; '' is the layer's root. */
  rel: string;
  kind: EntryKind;
}

export interface DirAttrs {
  mode: number;
  uid: number;
  gid: number;
  atimeMs: number;
  mtimeMs: number;
}

export interface LayerScan {
  entries: LayerEntry[];
  dirs: Map<string, DirAttrs>;
  /** `trusted.overlay.*` xattrs per path: name → value (bytes as latin1). */
  overlayXattrs: Map<string, Map<string, string>>;
  /** What each regular file adds to the target: its size (a hardlinked inode once), as progress counts bytes. */
  weights: Map<string, number>;
  /** The sum of the weights: the layer's share of the copy. */
  bytes: number;
  files: number;
}


/** A byte-string path as a Buffer the fs functions take as is. */
export const bytesPath = (p: string): Buffer => Buffer.from(p, 'latin1');

export const joinRel = (a: string, b: string): string => (a === '' ? b : `${a}/${b}`);

export function walkLayer(mount: string): Omit<LayerScan, 'overlayXattrs'> {
  const entries: LayerEntry[] = [];
  const dirs = new Map<string, DirAttrs>();
  const seen = new Set<number>();
  const weights = new Map<string, number>();
  let bytes = 0;
  const weigh = (rel: string, w: number) => {
    if (w > 0) weights.set(rel, w);
    bytes += w;
  };
  let files = 0;
  const root = Buffer.from(mount, 'utf8').toString('latin1');
  const attrs = (st: Stats): DirAttrs => ({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, atimeMs: st.atimeMs, mtimeMs: st.mtimeMs });
  const visit = (rel: string, abs: string) => {
    for (const d of readdirSync(bytesPath(abs), { withFileTypes: true, encoding: 'buffer' })) {
      const name = d.name.toString('latin1');
      const childRel = joinRel(rel, name);
      const childAbs = `${abs}/${name}`;
      files++;
      if (d.isDirectory()) {
        entries.push({ rel: childRel, kind: 'dir' });
        dirs.set(childRel, attrs(lstatSync(bytesPath(childAbs))));
        visit(childRel, childAbs);
      } else if (d.isCharacterDevice()) {
        const st = lstatSync(bytesPath(childAbs));
        entries.push({ rel: childRel, kind: st.rdev === 0 ? 'whiteout' : 'other' });
      } else {
        entries.push({ rel: childRel, kind: 'other' });
        if (d.isFile()) {
          const st = lstatSync(bytesPath(childAbs));
          if (st.nlink < 2 || !seen.has(st.ino)) weigh(childRel, st.size);
          if (st.nlink > 1) seen.add(st.ino);
        }
      }
    }
  };
  entries.push({ rel: '', kind: 'dir' });
  dirs.set('', attrs(lstatSync(bytesPath(root))));
  visit('', root);
  return { entries, dirs, weights, bytes, files };
}

/** getfattr escapes every byte outside printable ASCII (and the backslash) as \ooo under LC_ALL=C. */
export function decodeGetfattrName(s: string): string {
  return s.replace(/\\([0-7]{3})|\\\\/g, (m, o: string | undefined) => (o ? String.fromCharCode(parseInt(o, 8)) : '\\'));
}

function hexToLatin1(v: string): string {
  return v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex').toString('latin1') : v.replace(/^"|"$/g, '');
}

/** The layer's `trusted.overlay.*` xattrs, read by one recursive getfattr (streamed, not buffered). */
export async function overlayXattrsOf(mount: string, runner: CommandRunner, signal?: AbortSignal): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  const root = Buffer.from(mount, 'utf8').toString('latin1');
  let cur: Map<string, string> | undefined;
  const problems: string[] = [];
  const argv = ['getfattr', '-R', '-P', '-h', '-d', '-m', '^trusted\\.overlay\\.', '-e', 'hex', '--absolute-names', mount];
  // A squashfs image packed without any xattr answers every listxattr with "Operation not supported":
  // nothing to read there. Any other complaint is a failure.
  const r = await runner.run(argv, {
    env: { LC_ALL: 'C' },
    okExitCodes: [0, 1],
    ...(signal ? { signal } : {}),
    onLine: (line, stream) => {
      if (stream === 'stderr') {
        if (!line.endsWith(': Operation not supported') && problems.length < 5) problems.push(line);
        return;
      }
      if (line.startsWith('# file: ')) {
        const abs = decodeGetfattrName(line.slice(8));
        const rel = abs === root ? '' : abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : undefined;
        cur = rel === undefined ? undefined : new Map();
        if (rel !== undefined) out.set(rel, cur!);
      } else if (cur) {
        const i = line.indexOf('=');
        if (i > 0) cur.set(line.slice(0, i), hexToLatin1(line.slice(i + 1)));
      }
    },
  });
  if (r.code !== 0 && problems.length) throw new CommandError(argv, r.code, problems.join('\n'));
  return out;
}
