// Helpers for the medium tests: build media with the real build module, run the real loader in a
// private mount namespace (`unshare -m`: every mount dies with the namespace, even on failure).
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const MKLIVE = join(REPO, 'scripts/mklive/mklive');
export const LOADER = join(REPO, 'scripts/dracut/90livekit/livekit-loader.sh');
export const DEEP_RECIPE = join(REPO, 'test/medium/deep-recipe.sh');

export const isRoot = process.getuid?.() === 0;
export const NEEDS_ROOT = 'needs root: loop devices, overlay and squashfs mounts, chroot';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await execa(cmd, args, { reject: false, env, stdin: 'ignore', stripFinalNewline: false });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A temp dir and its removal (call the returned function in afterAll). */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `livekit-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function build(recipe: string, out: string, extra: string[] = []): Promise<Run> {
  return run(MKLIVE, ['build', '--recipe', recipe, '--out', out, ...extra]);
}

/** Runs a Bash script in a private mount namespace; `env` values reach it as variables. */
export async function inNamespace(script: string, env: Record<string, string> = {}): Promise<Run> {
  return run('unshare', ['-m', '--propagation', 'private', 'bash', '-c', `set -euo pipefail\n${script}`], env);
}

export interface Boot extends Run {
  /** The output of the check script, after the loader succeeded. */
  checks: string;
}

/**
 * Runs the loader against `medium` with `cmdline`, then (in the same namespace, where the mounts
 * exist) the Bash `check` script with $RUN and $ROOT set. The loader's stderr is in `stderr`; when
 * the loader fails, `code` is 100 + its exit status and the check script does not run. `runName`
 * is the --run dir's name under the temp dir.
 */
export async function boot(medium: string, cmdline: string, check = 'true', runName = 'run'): Promise<Boot> {
  const t = tempDir('boot');
  try {
    const script = `
RUN="$T/${runName}" ROOT="$T/root"
mkdir -p "$ROOT"
"$LOADER" --medium "$MEDIUM" --newroot "$ROOT" --run "$RUN" --cmdline "$CMDLINE" 2>"$T/loader.err" || {
  rc=$?; cat "$T/loader.err" >&2; exit $((100 + rc)); }
cat "$T/loader.err" >&2
${check}
`;
    const r = await inNamespace(script, { T: t.dir, LOADER, MEDIUM: medium, CMDLINE: cmdline });
    return { ...r, checks: r.stdout };
  } finally {
    t.remove();
  }
}
