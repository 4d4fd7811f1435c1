// Paths on the command line are checked before any work: one clear, translatable refusal each, and no
// hang (Node's recursive mkdir never returns under /proc, which `--log /proc/nope/x.log` once hit).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, type CliArgs } from '../../electron/cli/args.ts';
import { checkPathOptions } from '../../electron/cli/paths.ts';
import { createLogFile } from '../../electron/engine/run/log-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'livekit-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base: CliArgs = { command: 'sysroots', json: false, yes: false, port: 0, demo: false };

function refusal(a: Partial<CliArgs>): { key: string; params: Record<string, string> } | null {
  try {
    checkPathOptions({ ...base, ...a });
    return null;
  } catch (e) {
    if (e instanceof UsageError) return { key: e.key, params: e.params };
    throw e;
  }
}

describe('checkPathOptions', () => {
  it('accepts existing folders and a log file it can create (with its missing parents)', () => {
    expect(refusal({ medium: dir, sysroots: dir, renderer: dir, log: join(dir, 'a/b/install.log') })).toBeNull();
    expect(statSync(join(dir, 'a/b/install.log')).mode & 0o777).toBe(0o600);
  });
  it('names the flag and the path of a missing or wrong one', () => {
    expect(refusal({ medium: join(dir, 'nope') })).toEqual({ key: 'error.noSuchPath', params: { flag: '--medium', path: join(dir, 'nope'), reason: 'ENOENT' } });
    writeFileSync(join(dir, 'file'), '');
    expect(refusal({ sysroots: join(dir, 'file') })).toEqual({ key: 'error.notDirectory', params: { flag: '--sysroots', path: join(dir, 'file') } });
    expect(refusal({ medium: join(dir, 'file', 'x') })?.key).toBe('error.badPath');
  });
  it('refuses a log under /proc instead of spinning (a hang would meet the test timeout)', () => {
    expect(refusal({ log: '/proc/nope/x.log' })).toEqual({ key: 'error.logFile', params: { file: '/proc/nope/x.log', reason: 'ENOENT' } });
    expect(() => createLogFile('/proc/nope/deeper/x.log')).toThrow(/ENOENT/);
  });
});
