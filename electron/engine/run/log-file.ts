// Creates the engine's log file, and its missing parent folders one level at a time: Node's recursive
// mkdir never returns for a path under /proc (it retries ENOENT forever), and a bad log path must fail
// at once with the reason, before anything is written to a disk.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Makes `dir` and its missing parents with plain mkdir calls; the first that fails throws. */
export function makeParents(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d);
}

/** An empty log file readable by root only (it names disks, users and commands). */
export function createLogFile(path: string): void {
  makeParents(dirname(path));
  writeFileSync(path, '', { mode: 0o600 });
}
