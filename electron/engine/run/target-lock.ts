// One run at a time per target disk, across processes: a lock named after the disk (its device number, or an
// image file's device and inode, so a second path to the same disk finds the same lock). The lock is an abstract
// Unix socket: binding its name is atomic, and the kernel frees it when the process dies however it dies, so a
// killed install never leaves a stale lock. Whoever asks for a held lock is told which process holds it.
import { statSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { CodedError } from './coded-error.ts';

/** `major:minor` of a device number as Linux encodes it (glibc's major()/minor() for numbers below 2^32). */
export function majorMinor(rdev: number): string {
  return `${(rdev >>> 8) & 0xfff}:${(rdev & 0xff) | ((rdev >>> 12) & 0xfff00)}`;
}

/** The disk a lock is named after: a partition locks its whole disk (partx and sfdisk act on the disk). */
export function lockKeyOf(path: string): string {
  const st = statSync(path);
  if (st.isFile()) return `f${st.dev.toString(16)}-${st.ino.toString(16)}`;
  if (!st.isBlockDevice()) throw new Error(`${path} is neither a block device nor a regular file`);
  const majMin = majorMinor(st.rdev);
  let disk = majMin;
  try {
    // /sys/dev/block/M:m/partition exists for a partition; its parent directory is the whole disk.
    readFileSync(`/sys/dev/block/${majMin}/partition`);
    disk = readFileSync(`/sys/dev/block/${majMin}/../dev`, 'utf8').trim();
  } catch {
    /* a whole disk */
  }
  return `b${disk}`;
}

export class TargetBusyError extends CodedError {
  constructor(
    readonly disk: string,
    readonly holder: string,
  ) {
    super('target-busy', { disk, holder }, `${disk} is being written by another LiveKit run (${holder}); nothing was written`);
    this.name = 'TargetBusyError';
  }
}

const NAME_PREFIX = '\0livekit-target-';

/** Asks the holder of `key` who it is (it answers with one line and closes). */
function askHolder(key: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const sock = createConnection(NAME_PREFIX + key);
    const done = () => resolve(text.trim() || 'another process');
    sock.setEncoding('utf8');
    sock.setTimeout(2000, () => sock.destroy());
    sock.on('data', (d: string) => (text += d));
    sock.on('close', done);
    sock.on('error', done);
  });
}

function bind(key: string, whoAmI: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.end(`${whoAmI}\n`));
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(null) : reject(e)));
    server.listen(NAME_PREFIX + key, () => {
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

export interface TargetLocks {
  release(): Promise<void>;
}

/**
 * Locks every disk `paths` name (deduplicated, in a fixed order so two runs cannot deadlock), or throws
 * TargetBusyError naming the holder, having released what it took.
 */
export async function lockTargets(paths: string[], whoAmI: string): Promise<TargetLocks> {
  const keys = new Map<string, string>();
  for (const p of paths) keys.set(lockKeyOf(p), p);
  const held: Server[] = [];
  const release = async () => {
    for (const s of held.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  };
  for (const key of [...keys.keys()].sort()) {
    const server = await bind(key, `pid ${process.pid}: ${whoAmI}`).catch(async (e: unknown) => {
      await release();
      throw e;
    });
    if (!server) {
      const holder = await askHolder(key);
      await release();
      throw new TargetBusyError(keys.get(key)!, holder);
    }
    held.push(server);
  }
  return { release };
}
