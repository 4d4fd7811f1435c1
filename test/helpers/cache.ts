// Test caches are built the way every LiveKit cache is (scripts/lib/cache-build.sh): once, under a lock,
// published only when complete; the builder command gets its temp folder as its last argument.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const HELPER = fileURLToPath(new URL('../../scripts/lib/cache-build.sh', import.meta.url));

/** Where the tests' own caches live (LIVEKIT_TEST_CACHE, as the shell fixtures read it). */
export function testCacheDir(): string {
  return process.env.LIVEKIT_TEST_CACHE ?? '/var/cache/livekit-test';
}

/** `input` reaches the builder on stdin (secrets a builder needs: never on its command line). */
export async function cachedBuild(entry: string, builder: string[], opts: { input?: string } = {}): Promise<void> {
  await execa('bash', ['-euo', 'pipefail', '-c', 'source "$0"; cache_build "$@"', HELPER, entry, ...builder], {
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
}
