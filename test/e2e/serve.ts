// Starts `livekit serve` (the real service, demo medium and images) as a child process and reads the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Served {
  url: string;
  origin: string;
  token: string;
  /** The demo's temp dir (its images live here), from the service's stderr. */
  demoDir: string;
  /** The demo's partitioned disk (a loop device), from the service's stderr. */
  partitionedDisk: string;
  stderr: () => string;
  stop(): Promise<void>;
}

export async function serve(args: string[]): Promise<Served> {
  // The real command (`bin/livekit` execs node, so the child's pid is the service's).
  const child: ChildProcess = spawn(join(ROOT, 'bin/livekit'), ['serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    // LIVEKIT_TEST_SERVE_TIMEOUT_MS: longer where everything is slow (a TCG guest builds the demo for minutes).
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL in time: ${err}`)), Number(process.env.LIVEKIT_TEST_SERVE_TIMEOUT_MS) || 120_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    demoDir: /targets are image files under (\S+)/.exec(err)?.[1] ?? '',
    partitionedDisk: /and the partitioned (\/dev\/\S+)/.exec(err)?.[1] ?? '',
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A typed tRPC client of a served engine over its real WebSocket, authenticated as the page would be. */
export async function rpcClient(s: Pick<Served, 'origin' | 'token'>) {
  const [{ createTRPCClient, createWSClient, wsLink }, { default: WebSocket }] = await Promise.all([import('@trpc/client'), import('ws')]);
  class WithOrigin extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Origin: s.origin } });
    }
  }
  const ws = createWSClient({ url: `${s.origin.replace('http', 'ws')}/trpc?token=${s.token}`, WebSocket: WithOrigin as never });
  const rpc = createTRPCClient<import('../../electron/api.ts').AppRouter>({ links: [wsLink({ client: ws })] });
  return { rpc, close: () => ws.close() };
}
