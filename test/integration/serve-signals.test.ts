// `livekit serve --demo` stopped by a signal releases its demo (loop devices, the composed medium, the demo
// folder) even when a second signal follows the first at once, as a session's shutdown or a test runner does.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.ts';
import { mountPoints } from '../helpers/system-state.ts';
import { execa } from 'execa';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('the demo service and signals (needs root: the demo attaches loop devices)', () => {
  it('two SIGTERMs in a row: exit 0, the demo released (no loop device, mount or folder left)', async () => {
    const child = spawnCli(['serve', '--demo', '--cmdline-file', '/dev/null']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const dir = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', () => {
        const m = /targets are image files under (\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.catch(reject);
    });
    expect(existsSync(dir)).toBe(true);
    child.kill('SIGTERM');
    child.kill('SIGTERM');
    const r = await child.catch((e: unknown) => e as { exitCode?: number });
    expect((r as { exitCode?: number }).exitCode, stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(mountPoints().filter((m) => m.startsWith(`${dir}/`))).toEqual([]);
    const loops = (await execa('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE'])).stdout;
    expect(loops.split('\n').filter((l) => l.trim().startsWith(`${dir}/`))).toEqual([]);
  }, 180_000);
});
