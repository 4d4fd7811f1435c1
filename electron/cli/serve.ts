// `livekit serve [--port N] [--demo] [--cmdline-file FILE] [--medium DIR] [--sysroots DIR]`:
// the engine service for the graphical installer. Prints the URL (with its token) once, on stdout.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startService } from '../engine/service/server.ts';
import { RealEngine } from '../engine/service/engine.ts';
import { prepareDemo } from '../engine/service/demo.ts';
import { DemoEngine } from '../engine/service/demo-engine.ts';
import { registerHolder } from '../engine/run/held.ts';
import { installLastResort } from '../engine/run/last-resort.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIST = join(ROOT, 'renderer', 'dist');

export interface ServeArgs {
  port: number;
  demo: boolean;
  cmdlineFile?: string;
  mediumDir?: string;
  sysrootsDir?: string;
  rendererDir: string;
}

export class UsageError extends Error {}

export function parseServeArgs(args: string[]): ServeArgs {
  const out: ServeArgs = { port: 0, demo: false, rendererDir: RENDERER_DIST };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--demo') out.demo = true;
    else if (a === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError('--port needs a port number');
      out.port = n;
    } else if (a === '--cmdline-file') out.cmdlineFile = value();
    else if (a === '--medium') out.mediumDir = value();
    else if (a === '--sysroots') out.sysrootsDir = value();
    else if (a === '--renderer') out.rendererDir = value();
    else throw new UsageError(`unknown option ${a}`);
  }
  return out;
}

/** Builds the renderer when its output is missing (a fresh checkout). */
async function ensureRenderer(dir: string): Promise<void> {
  if (existsSync(join(dir, 'index.html'))) return;
  if (dir !== RENDERER_DIST) throw new Error(`no index.html in ${dir}`);
  process.stderr.write('livekit serve: building the renderer (vite)...\n');
  await execa('npx', ['vite', 'build', '--config', join(ROOT, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export async function runServe(args: string[]): Promise<number> {
  let a: ServeArgs;
  try {
    a = parseServeArgs(args);
  } catch (e) {
    process.stderr.write(`livekit serve: ${(e as Error).message}\n`);
    return 2;
  }
  installLastResort('livekit serve');
  await ensureRenderer(a.rendererDir);
  const cmdline = a.cmdlineFile ? readFileSync(a.cmdlineFile, 'utf8').trim() : readFileSync('/proc/cmdline', 'utf8').trim();
  let demo: Awaited<ReturnType<typeof prepareDemo>> | null = null;
  if (a.demo) {
    try {
      demo = await prepareDemo();
      registerHolder({ name: 'the demo medium', releaseAll: demo.cleanup });
    } catch (e) {
      process.stderr.write(`livekit serve: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const logDir = demo ? join(demo.dir, 'logs') : '/var/log/livekit';
  const options = {
    cmdline,
    ...(a.mediumDir ?? demo?.mediumDir ? { mediumDir: a.mediumDir ?? demo!.mediumDir } : {}),
    ...(a.sysrootsDir ?? demo?.sysrootsDir ? { sysrootsDir: a.sysrootsDir ?? demo!.sysrootsDir } : {}),
    logDir,
    targetBase: demo ? demo.dir : '/run/livekit',
  };
  const engine = demo ? new DemoEngine(demo, options) : new RealEngine(options);
  const svc = await startService({ engine, rendererDir: a.rendererDir, port: a.port });
  process.stdout.write(`livekit serve: open ${svc.url}\n`);
  if (demo) process.stderr.write(`livekit serve: demo mode; targets are image files under ${demo.dir} and the partitioned ${demo.partitionedDisk}\n`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void svc
        .close()
        .then(() => demo?.cleanup())
        .finally(() => resolveExit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

// `npx tsx electron/cli/serve.ts ...` runs the service directly (tests, scripts/run-ui.sh).
if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  void runServe(process.argv.slice(2)).then((code) => process.exit(code));
}
