// Runs the real `./bin/livekit` as QA does (or, with LIVEKIT_TEST_BIN, another build of it: the bundled
// CLI the medium carries, which starts in seconds where tsx would take a minute, as in a TCG guest).
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { InstallEvent } from '../../electron/shared/events.ts';

export const BIN = process.env.LIVEKIT_TEST_BIN || join(new URL('../../bin/livekit', import.meta.url).pathname);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; stdin: 'ignore'; env: Record<string, string> }> {
  return execa(BIN, args, { reject: false, stdin: 'ignore', env: { LANG: 'C.UTF-8', ...env } });
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await spawnCli(args, env);
  return { code: r.exitCode ?? 128, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function jsonEvents(stdout: string): InstallEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as InstallEvent);
}
