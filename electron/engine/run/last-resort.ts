// The last resort of the service and the CLI: an exception nothing caught (a bug) must not leave the
// machine with mounts and loop devices behind. Every holder is released, then the process exits 1.
import { heldBy, releaseEverything } from './held.ts';

/** How long releasing may take before the process exits anyway. */
const RELEASE_TIMEOUT_MS = 60_000;

let installed = false;

function oneLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Installs the handlers for `uncaughtException` and `unhandledRejection` (once per process). `exit` is
 * replaceable for tests of the handler itself.
 */
export function installLastResort(program: string, exit: (code: number) => void = (c) => process.exit(c)): void {
  if (installed) return;
  installed = true;
  let dying = false;
  const handler = (e: unknown, kind: string) => {
    if (dying) return;
    dying = true;
    const held = heldBy();
    process.stderr.write(`${program}: internal error (${kind}): ${oneLine(e)}${held.length ? `; releasing ${held.join(', ')}` : ''}\n`);
    const timeout = new Promise<void>((r) => setTimeout(r, RELEASE_TIMEOUT_MS).unref());
    void Promise.race([releaseEverything(), timeout]).finally(() => exit(1));
  };
  process.on('uncaughtException', (e) => handler(e, 'uncaught exception'));
  process.on('unhandledRejection', (e) => handler(e, 'unhandled rejection'));
}
