// A metadata walker: everything a faithful copy must preserve, per path, so two trees can be compared.
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export interface Entry {
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Regular files and symlinks only (directory sizes differ per filesystem). */
  size?: number;
  /** Seconds: squashfs keeps whole seconds. Directories only when `dirTimes`. */
  mtime?: number;
  rdev?: string;
  target?: string;
  /** Regular files larger than 1 MiB: whether they occupy fewer blocks than their size. */
  sparse?: boolean;
  xattrs: Record<string, string>;
  /** Other paths sharing this inode (hardlink group), sorted; regular files with nlink > 1. */
  links?: string[];
}

function typeOf(st: BigIntStats): Entry['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** getfattr escapes bytes outside printable ASCII as \ooo (LC_ALL=C); decode back to UTF-8. */
function decodeGetfattrPath(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (s[i] === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** All xattrs of a tree (no symlink following), minus `trusted.overlay.*`, keyed by relative path. */
export async function treeXattrs(root: string): Promise<Map<string, Record<string, string>>> {
  const r = await execa('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { env: { LC_ALL: 'C' }, reject: false });
  const out = new Map<string, Record<string, string>>();
  let cur: Record<string, string> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      const abs = decodeGetfattrPath(line.slice(8));
      const rel = abs === root ? '.' : abs.slice(root.length + 1);
      cur = {};
      out.set(rel, cur);
    } else if (cur && line.includes('=')) {
      const i = line.indexOf('=');
      const k = line.slice(0, i);
      if (!k.startsWith('trusted.overlay.')) cur[k] = line.slice(i + 1);
    }
  }
  return out;
}

export interface WalkOptions {
  /** Relative paths (and everything below) left out: install-managed files, lost+found. */
  skip?: (rel: string) => boolean;
  /** Directories whose mtime is not compared (their content changed during the install). */
  dirTimes?: (rel: string) => boolean;
}

export async function walkTree(root: string, opts: WalkOptions = {}): Promise<Map<string, Entry>> {
  const skip = opts.skip ?? (() => false);
  const entries = new Map<string, Entry>();
  const inodes = new Map<string, string[]>();
  const xattrs = await treeXattrs(root);
  const visit = (rel: string) => {
    const abs = rel === '.' ? root : join(root, rel);
    const st = lstatSync(abs, { bigint: true });
    const type = typeOf(st);
    const e: Entry = {
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      xattrs: Object.fromEntries(Object.entries(xattrs.get(rel) ?? {}).sort()),
    };
    if (type === 'file' || type === 'symlink') e.size = Number(st.size);
    if (type !== 'dir' || (opts.dirTimes?.(rel) ?? true)) e.mtime = Number(st.mtimeMs / 1000n);
    if (type === 'char' || type === 'block') e.rdev = `${Number(st.rdev >> 8n) & 0xfff}:${Number(st.rdev & 0xffn)}`;
    if (type === 'symlink') e.target = readlinkSync(abs);
    if (type === 'file' && st.size > 1n << 20n) e.sparse = st.blocks * 512n < st.size;
    if (type === 'file' && st.nlink > 1n) {
      const k = String(st.ino);
      inodes.set(k, [...(inodes.get(k) ?? []), rel]);
      (e as Entry & { ino?: string }).ino = k;
    }
    entries.set(rel, e);
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) {
        const child = rel === '.' ? name : `${rel}/${name}`;
        if (!skip(child)) visit(child);
      }
    }
  };
  visit('.');
  for (const e of entries.values()) {
    const k = (e as Entry & { ino?: string }).ino;
    // A group is the names sharing an inode inside the tree: an overlay shows a lower file's nlink even
    // when an upper layer hid its other names.
    if (k !== undefined && inodes.get(k)!.length > 1) e.links = [...inodes.get(k)!].sort();
    if (k !== undefined) {
      delete (e as Entry & { ino?: string }).ino;
    }
  }
  return entries;
}

/** Differences between two walks, as readable lines (empty when identical). */
export function diffTrees(source: Map<string, Entry>, target: Map<string, Entry>): string[] {
  const out: string[] = [];
  for (const [p, s] of source) {
    const t = target.get(p);
    if (!t) {
      out.push(`missing: ${JSON.stringify(p)}`);
      continue;
    }
    const a = JSON.stringify(s);
    const b = JSON.stringify(t);
    if (a !== b) out.push(`differs: ${JSON.stringify(p)}\n  source ${a}\n  target ${b}`);
  }
  for (const p of target.keys()) if (!source.has(p)) out.push(`extra: ${JSON.stringify(p)}`);
  return out;
}
