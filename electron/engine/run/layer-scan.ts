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
  /** The names of every other xattr, per path that has one. */
  otherXattrs: Map<string, string[]>;
  /** What each regular file adds to the target: its size (a hardlinked inode once), as progress counts bytes. */
  weights: Map<string, number>;
  /** The sum of the weights: the layer's share of the copy. */
  bytes: number;
  files: number;
}


/** A byte-string path as a Buffer the fs functions take as is. */
export const bytesPath = (p: string): Buffer => Buffer.from(p, 'latin1');

export const joinRel = (a: string, b: string): string => (a === '' ? b : `${a}/${b}`);

export function walkLayer(mount: string): Omit<LayerScan, 'overlayXattrs' | 'otherXattrs'> {
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

/** What getfattr names a path with: its bytes, as given on the command line (UTF-8). */
export const argvPath = (p: string): string => Buffer.from(p, 'latin1').toString('utf8');

/**
 * getfattr -d of every xattr (values in hex) of `paths` (bytes as latin1; with their trees when
 * `recursive`), streamed: each path that has any → name → value (bytes as latin1). Paths are passed in
 * batches of 500.
 */
export async function readXattrs(paths: string[], runner: CommandRunner, opts: { recursive?: boolean; signal?: AbortSignal } = {}): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (let i = 0; i < paths.length; i += 500) {
    let cur: Map<string, string> | undefined;
    const problems: string[] = [];
    const argv = ['getfattr', ...(opts.recursive ? ['-R'] : []), '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', ...paths.slice(i, i + 500).map(argvPath)];
    // A squashfs image packed without any xattr answers every listxattr with "Operation not supported":
    // nothing to read there. Any other complaint is a failure.
    const r = await runner.run(argv, {
      env: { LC_ALL: 'C' },
      okExitCodes: [0, 1],
      ...(opts.signal ? { signal: opts.signal } : {}),
      onLine: (line, stream) => {
        if (stream === 'stderr') {
          if (!line.endsWith(': Operation not supported') && problems.length < 5) problems.push(line);
        } else if (line.startsWith('# file: ')) {
          cur = new Map();
          out.set(decodeGetfattrName(line.slice(8)), cur);
        } else if (cur) {
          const eq = line.indexOf('=');
          if (eq > 0) cur.set(decodeGetfattrName(line.slice(0, eq)), hexToLatin1(line.slice(eq + 1)));
        }
      },
    });
    if (r.code !== 0 && problems.length) throw new CommandError(argv, r.code, problems.join('\n'));
  }
  return out;
}

/** The layer's xattrs, read by one recursive getfattr, split into overlayfs's own and the rest. */
export async function layerXattrsOf(mount: string, runner: CommandRunner, signal?: AbortSignal): Promise<Pick<LayerScan, 'overlayXattrs' | 'otherXattrs'>> {
  const root = Buffer.from(mount, 'utf8').toString('latin1');
  const overlay = new Map<string, Map<string, string>>();
  const others = new Map<string, string[]>();
  for (const [abs, xattrs] of await readXattrs([root], runner, { recursive: true, ...(signal ? { signal } : {}) })) {
    const rel = abs === root ? '' : abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : undefined;
    if (rel === undefined) continue;
    const ovl = new Map([...xattrs].filter(([name]) => name.startsWith('trusted.overlay.')));
    const rest = [...xattrs.keys()].filter((name) => !name.startsWith('trusted.overlay.'));
    if (ovl.size) overlay.set(rel, ovl);
    if (rest.length) others.set(rel, rest);
  }
  return { overlayXattrs: overlay, otherXattrs: others };
}
