// Starts the engine service (`livekit serve`) as root — through pkexec when the UI is not root — and reads
// the address and token it prints once on stdout; or, in the Live session, where the system's own
// livekit-engine.service already runs it, reads them from the URL file it wrote for the Live user.
// Plain Node: testable without the Electron binary.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface EngineAddress {
  url: string;
  origin: string;
  token: string;
}

/** An engine the UI talks to; `stop` ends it only when the UI started it. */
export interface EngineConnection extends EngineAddress {
  stop(): void;
}

export interface LaunchedEngine extends EngineConnection {
  child: ChildProcess;
}

export class EngineLaunchError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-found' | 'not-authorized' | 'exited' | 'timeout' | 'bad-output' | 'unreadable',
    readonly detail: string,
  ) {
    super(message);
    this.name = 'EngineLaunchError';
  }
}

/** The command that starts the engine: `pkexec` only when we are not root already. */
export function engineCommand(o: { isRoot: boolean; livekit: string[]; demo?: boolean; extra?: string[] }): string[] {
  const serve = [...o.livekit, 'serve', ...(o.demo ? ['--demo'] : []), ...(o.extra ?? [])];
  return o.isRoot ? serve : ['pkexec', ...serve];
}

const URL_RE = /(http:\/\/127\.0\.0\.1:\d{1,5}\/\?token=[A-Za-z0-9_-]{16,})/;

/** The engine's address from its stdout, or null. Only loopback URLs carrying a token are accepted. */
export function parseEngineUrl(text: string): EngineAddress | null {
  const m = URL_RE.exec(text);
  if (!m) return null;
  const u = new URL(m[1]!);
  return { url: u.toString(), origin: u.origin, token: u.searchParams.get('token')! };
}

function reasonForExit(code: number | null, argv: string[]): EngineLaunchError['reason'] {
  // pkexec: 126 = the user dismissed or was refused authorization, 127 = could not authenticate.
  if (argv[0] === 'pkexec' && (code === 126 || code === 127)) return 'not-authorized';
  return 'exited';
}

export function launchEngine(argv: string[], opts: { timeoutMs?: number; spawnOptions?: SpawnOptions } = {}): Promise<LaunchedEngine> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...opts.spawnOptions });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() => {
          child.kill('SIGTERM');
          reject(new EngineLaunchError(`the engine did not start within ${Math.round(timeoutMs / 1000)} s`, 'timeout', err.slice(-2000)));
        }),
      timeoutMs,
    );
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const addr = parseEngineUrl(out);
      if (addr) finish(() => resolve({ ...addr, child, stop: () => void child.kill('SIGTERM') }));
      else if (out.length > 64 * 1024) finish(() => (child.kill('SIGTERM'), reject(new EngineLaunchError('the engine printed no address', 'bad-output', out.slice(-2000)))));
    });
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-8192)));
    child.once('error', (e: NodeJS.ErrnoException) =>
      finish(() => reject(new EngineLaunchError(`cannot start ${argv[0]}: ${e.message}`, e.code === 'ENOENT' ? 'not-found' : 'exited', e.message))),
    );
    child.once('exit', (code, signal) =>
      finish(() =>
        reject(new EngineLaunchError(`the engine stopped before it was ready (${signal ?? `exit code ${code}`})`, reasonForExit(code, argv), err.trim().slice(-2000))),
      ),
    );
  });
}

/**
 * The engine the Live session's service runs (`livekit serve --url-file FILE`): its address from FILE,
 * which the session gave to the Live user, mode 0600. Waits for the file while the service starts.
 */
export async function attachEngine(file: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<EngineConnection> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last = '';
  for (;;) {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      last = (e as Error).message;
      if ((e as NodeJS.ErrnoException).code === 'EACCES') throw new EngineLaunchError(`cannot read ${file}`, 'unreadable', last);
    }
    // A whole line only: the file may be read while it is being written.
    const addr = text.endsWith('\n') ? parseEngineUrl(text) : null;
    if (addr) return { ...addr, stop: () => {} };
    if (text.endsWith('\n')) throw new EngineLaunchError(`${file} holds no engine address`, 'bad-output', text.slice(0, 200).replace(/token=\S+/g, 'token=…'));
    if (Date.now() > deadline) throw new EngineLaunchError(`the engine wrote no address to ${file}`, 'timeout', last);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}

/** What the error dialog says when the engine cannot start: the cause in plain words, then the details. */
export function launchFailureMessage(e: unknown): string {
  if (!(e instanceof EngineLaunchError)) return `The installer engine could not be started: ${e instanceof Error ? e.message : String(e)}`;
  const lead = {
    'not-found': 'The installer engine is not installed (livekit was not found).',
    'not-authorized': 'Installing needs administrator rights, and they were not granted. Start the installer again and authorize it.',
    exited: 'The installer engine stopped while starting.',
    timeout: 'The installer engine did not answer in time.',
    'bad-output': 'The installer engine did not report its address.',
    unreadable: 'The installer engine\'s address is not readable by this user.',
  }[e.reason];
  return `${lead}\n\n${e.message}${e.detail && e.detail !== e.message ? `\n${e.detail}` : ''}`;
}
