// Paths on the command line are checked before any work: one clear, translatable refusal each, no hang
// (Node's recursive mkdir never returns under /proc, which `--log /proc/nope/x.log` once hit), and no
// output path opened, let alone truncated, before the answers and the plan have been judged (issue #21).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, type CliArgs } from '../../electron/cli/args.ts';
import { checkPathOptions } from '../../electron/cli/paths.ts';
import { openLog, OutputFileError } from '../../electron/engine/run/output-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'livekit-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base: CliArgs = { command: 'sysroots', json: false, yes: false, port: 0, demo: false };

function refusal(a: Partial<CliArgs>): { key: string; params: Record<string, string | number> } | null {
  try {
    checkPathOptions({ ...base, ...a });
    return null;
  } catch (e) {
    if (e instanceof UsageError) return { key: e.key, params: e.params };
    if (e instanceof OutputFileError) return { key: e.code, params: e.params };
    throw e;
  }
}

describe('checkPathOptions', () => {
  it('accepts existing folders and a new log file, and creates nothing yet', () => {
    expect(refusal({ medium: dir, sysroots: dir, renderer: dir, log: join(dir, 'a/b/install.log') })).toBeNull();
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });
  it('leaves an existing file named by --log as it was: whether it is a log is judged with the plan', () => {
    writeFileSync(join(dir, 'image.img'), 'not a log');
    expect(refusal({ log: join(dir, 'image.img') })).toBeNull();
    expect(readFileSync(join(dir, 'image.img'), 'utf8')).toBe('not a log');
  });
  it('refuses a device or folder as --log, and a foreign file as --url-file, at once', () => {
    expect(refusal({ log: '/dev/null' })).toEqual({ key: 'output-device', params: { file: '/dev/null' } });
    expect(refusal({ log: dir })).toEqual({ key: 'output-directory', params: { file: dir } });
    writeFileSync(join(dir, 'passwd'), 'root:x:0:0\n');
    expect(refusal({ urlFile: join(dir, 'passwd') })).toEqual({ key: 'output-not-ours', params: { file: join(dir, 'passwd') } });
  });
  it('names the flag and the path of a missing or wrong one', () => {
    expect(refusal({ medium: join(dir, 'nope') })).toEqual({ key: 'error.noSuchPath', params: { flag: '--medium', path: join(dir, 'nope'), reason: 'ENOENT' } });
    writeFileSync(join(dir, 'file'), '');
    expect(refusal({ sysroots: join(dir, 'file') })).toEqual({ key: 'error.notDirectory', params: { flag: '--sysroots', path: join(dir, 'file') } });
    expect(refusal({ medium: join(dir, 'file', 'x') })?.key).toBe('error.badPath');
  });
  it('a log under /proc fails at once when opened, instead of spinning (a hang would meet the test timeout)', () => {
    expect(() => openLog('/proc/nope/deeper/x.log')).toThrow(/ENOENT/);
  });
});
