// Effects behind one interface: every external command the engine runs goes through a CommandRunner.
// ExecaRunner runs argv arrays for real (never through a shell); RecordingRunner records them (dry runs, unit tests).
import { execa } from 'execa';
import { splitLines } from './lines.ts';
import { CodedError } from './coded-error.ts';
import { registerHolder } from './held.ts';

export interface RunOptions {
  /** Text fed to the command's stdin (may hold a secret: never logged here). */
  stdin?: string;
  env?: Record<string, string>;
  /** Called for every output line; `\r`-terminated progress lines count as lines. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the command's whole process group. */
  signal?: AbortSignal;
  /** Exit codes that count as success (default [0]); any other rejects with CommandError. */
  okExitCodes?: number[];
  /** Called with the command's pid (the leader of its own process group) once it has started. */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A command that exited with a code outside `okExitCodes`, was killed, or could not start. */
export class CommandError extends CodedError {
  constructor(
    readonly argv: string[],
    readonly exitCode: number,
    readonly stderrTail: string,
    readonly aborted = false,
  ) {
    super('command-failed', { program: argv[0] ?? '', exitCode }, `${argv[0]} exited with code ${exitCode}${stderrTail ? `: ${lastLine(stderrTail)}` : ''}`);
    this.name = 'CommandError';
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Keeps at most `max` characters of the end of a growing text (stderr tails, large stdout). */
export class TailBuffer {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.length > this.max ? this.text.slice(-this.max) : this.text;
  }
}

const STDERR_TAIL = 8 * 1024;
/** stdout is returned to the caller; capped so a chatty command cannot grow the engine's memory. */
const STDOUT_MAX = 4 * 1024 * 1024;
const KILL_GRACE_MS = 3000;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };

export class ExecaRunner implements CommandRunner {
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = argv;
    if (!file) throw new Error('empty argv');
    const ok = opts.okExitCodes ?? [0];
    if (opts.signal?.aborted) throw new CommandError(argv, 130, '', true);

    // detached: the command leads its own process group, so cancelling kills its children too (rsync forks).
    const child = execa(file, args, {
      reject: false,
      detached: true,
      buffer: false,
      stdin: opts.stdin === undefined ? 'ignore' : 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      env: { LC_ALL: 'C', ...opts.env },
      extendEnv: true,
      stripFinalNewline: false,
    });

    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    // A running command may hold the target busy (rsync writing into it): the last resort stops it first.
    const exited = child.then(() => undefined, () => undefined);
    const forget = registerHolder({
      name: `the running ${file}`,
      releaseAll: async () => {
        killGroup(child.pid, 'SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, KILL_GRACE_MS).unref())]);
      },
    });
    const stdout = new TailBuffer(STDOUT_MAX);
    const stderr = new TailBuffer(STDERR_TAIL);
    // A line handler that throws (a parser's bug) must not escape from a stream callback and kill the
    // process: the command is stopped and the run rejects with that error.
    let handlerError: unknown = null;
    const onLine = (l: string, stream: 'stdout' | 'stderr') => {
      if (handlerError !== null) return;
      try {
        opts.onLine?.(l, stream);
      } catch (e) {
        handlerError = e ?? new Error('line handler failed');
        killGroup(child.pid, 'SIGTERM');
        setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      }
    };
    const outLines = splitLines((l) => onLine(l, 'stdout'));
    const errLines = splitLines((l) => onLine(l, 'stderr'));
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout.push(c), outLines.push(c)));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr.push(c), errLines.push(c)));
    if (opts.stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // a command that does not read stdin must not crash us (EPIPE)
      child.stdin.end(opts.stdin);
    }

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const result = await child;
    forget();
    // The command's children (rsync's receiver, daemons a chroot command started) may outlive it and keep
    // the target busy: the group is the command's own, so end whatever is left of it.
    killGroup(child.pid, 'SIGKILL');
    opts.signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
    outLines.end();
    errLines.end();
    if (handlerError !== null) throw handlerError;

    const code =
      typeof result.exitCode === 'number'
        ? result.exitCode
        : result.signal
          ? 128 + (SIGNALS[result.signal] ?? 1)
          : 127; // failed to start (ENOENT)
    const err = stderr.toString() || (result.failed && result.exitCode === undefined && !result.signal ? String(result.originalMessage ?? '') : '');
    if (aborted) throw new CommandError(argv, code, err, true);
    if (!ok.includes(code)) throw new CommandError(argv, code, err);
    return { code, stdout: stdout.toString(), stderr: stderr.toString() };
  }
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

export interface RecordedCommand {
  argv: string[];
  /** Whether stdin was given; its text is never recorded (it may be a secret). */
  stdin: boolean;
  env?: Record<string, string>;
}

/**
 * Records commands instead of running them (dry runs, unit tests of the executor).
 * `respond` may return canned results, e.g. the loop device `losetup --show` prints.
 */
export class RecordingRunner implements CommandRunner {
  readonly commands: RecordedCommand[] = [];
  constructor(private readonly respond?: (argv: string[]) => Partial<RunResult> | undefined) {}

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const rec: RecordedCommand = { argv: [...argv], stdin: opts.stdin !== undefined };
    if (opts.env) rec.env = { ...opts.env };
    this.commands.push(rec);
    if (opts.signal?.aborted) throw new CommandError(argv, 130, '', true);
    const r = { code: 0, stdout: '', stderr: '', ...this.respond?.(argv) };
    for (const l of r.stdout.split('\n').filter(Boolean)) opts.onLine?.(l, 'stdout');
    if (!(opts.okExitCodes ?? [0]).includes(r.code)) throw new CommandError(argv, r.code, r.stderr);
    return r;
  }
}
