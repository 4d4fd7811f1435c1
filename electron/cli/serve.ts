// `livekit serve [--port N] [--demo] [--renderer DIR] [--cmdline-file FILE] [--medium DIR] [--sysroots DIR]`:
// the engine service for the graphical installer. Prints the URL (with its token) once, on stdout.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { UsageError } from './args.ts';
import { startService } from '../engine/service/server.ts';
import { RealEngine } from '../engine/service/engine.ts';
import { prepareDemo } from '../engine/service/demo.ts';
import { DemoEngine } from '../engine/service/demo-engine.ts';
import { DemoRescue } from '../engine/service/demo-rescue.ts';
import { RealRescue } from '../engine/service/rescue.ts';
import { registerHolder } from '../engine/run/held.ts';
import { installLastResort } from '../engine/run/last-resort.ts';
import { fixedT } from '../engine/i18n.ts';
import { releaseLeftoversSaid } from './leftovers.ts';

/** A service started after one that was killed mid-install first releases what that one left (said in its English log). */
async function releaseLeftovers(log: (m: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const s = await releaseLeftoversSaid(fixedT('en'));
  for (const line of [...s.lines.released, ...s.lines.notReleased]) log(line);
  if (s.notReleased.length) log('installs are refused until `livekit cleanup` releases what is named above');
}
import { replaceFile } from '../engine/run/output-file.ts';
import { isUrlFile } from '../engine/run/output-rules.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIST = join(ROOT, 'renderer', 'dist');

export interface ServeArgs {
  port: number;
  demo: boolean;
  /** The kernel command line, already read (from /proc/cmdline or --cmdline-file). */
  cmdline: string;
  mediumDir?: string;
  sysrootsDir?: string;
  rendererDir: string;
  /** Where the URL with its token goes (mode 0600) instead of stdout: a system service's stdout is logged. */
  urlFile?: string;
}

/** Hands the URL to whoever opens the UI; the token in it is a secret, so a file is private to root. */
function announce(url: string, urlFile: string | undefined): void {
  if (!urlFile) {
    process.stdout.write(`livekit serve: open ${url}\n`);
    return;
  }
  // A new file, or an earlier URL file replaced by a rename: never another file deleted or written through a link.
  replaceFile(urlFile, `${url}\n`, isUrlFile, { mode: 0o600 });
  process.stdout.write(`livekit serve: listening on ${new URL(url).origin}; the URL with its token is in ${urlFile}\n`);
}

/** Builds the renderer when its output is missing (a fresh checkout). */
async function ensureRenderer(dir: string): Promise<void> {
  if (existsSync(join(dir, 'index.html'))) return;
  if (dir !== RENDERER_DIST) throw new UsageError('error.noRenderer', { dir });
  process.stderr.write('livekit serve: building the renderer (vite)...\n');
  await execa('npx', ['vite', 'build', '--config', join(ROOT, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export async function runServe(a: ServeArgs): Promise<number> {
  installLastResort('livekit serve');
  const log = (m: string) => process.stderr.write(`livekit serve: ${m}\n`);
  await releaseLeftovers(log);
  await ensureRenderer(a.rendererDir);
  const { cmdline } = a;
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
  const rescueOptions = { cmdline, ...(options.mediumDir ? { mediumDir: options.mediumDir } : {}), logDir, targetBase: options.targetBase };
  const rescue = demo ? new DemoRescue(demo, rescueOptions) : new RealRescue(rescueOptions);
  const svc = await startService({ engine, rescue, rendererDir: a.rendererDir, port: a.port, log });
  announce(svc.url, a.urlFile);
  if (demo) process.stderr.write(`livekit serve: demo mode; targets are image files under ${demo.dir} and the partitioned ${demo.partitionedDisk}\n`);
  if (demo) process.stderr.write(`livekit serve: demo system to repair installed on ${demo.installedDisk} (${demo.installedImage})\n`);
  if (demo) {
    const inside = demo.encryptedFilled ? 'the same system inside' : 'empty: this kernel has no device-mapper, so it cannot be opened here';
    process.stderr.write(`livekit serve: demo encrypted system on ${demo.encryptedDisk}p3 (${demo.encryptedImage}; LUKS2, ${inside})\n`);
  }

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
    // `on`, not `once`: a second signal while stopping must not kill the process before the demo is released.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
