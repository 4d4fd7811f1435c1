import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../electron/cli/args.ts';
import { cliLanguage } from '../../electron/cli/language.ts';

describe('parseCliArgs', () => {
  it('parses each command with its flags and the common ones', () => {
    expect(parseCliArgs(['install', '--config', 'a.yaml', '--yes', '--json', '--log', 'l', '--medium', 'm', '--sysroots', 's', '--cmdline-file', 'c'])).toEqual({
      command: 'install',
      json: true,
      yes: true,
      config: 'a.yaml',
      log: 'l',
      medium: 'm',
      sysroots: 's',
      cmdlineFile: 'c',
      rest: [],
    });
    expect(parseCliArgs(['sysroots', '--json'])).toMatchObject({ command: 'sysroots', json: true });
    expect(parseCliArgs(['schema'])).toMatchObject({ command: 'schema' });
    expect(parseCliArgs(['validate', '--config=x.json'])).toMatchObject({ command: 'validate', config: 'x.json' });
  });
  it('hands serve its own arguments', () => {
    expect(parseCliArgs(['serve', '--port', '8080', '--demo'])).toEqual({ command: 'serve', json: false, yes: false, rest: ['--port', '8080', '--demo'] });
  });
  it('help', () => {
    expect(parseCliArgs([])).toEqual({ help: true });
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['plan', '-h'])).toEqual({ help: true });
  });
  const usage = (argv: string[]) => {
    try {
      parseCliArgs(argv);
    } catch (e) {
      if (e instanceof UsageError) return e.key;
      throw e;
    }
    return null;
  };
  it('refuses unknown commands, unknown flags, flags of other commands, missing --config, positionals', () => {
    expect(usage(['frobnicate'])).toBe('error.unknownCommand');
    expect(usage(['install', '--config', 'a', '--force'])).toBe('error.args');
    expect(usage(['validate', '--config', 'a', '--yes'])).toBe('error.flagNotFor');
    expect(usage(['disks', '--log', 'x'])).toBe('error.flagNotFor');
    expect(usage(['plan'])).toBe('error.configRequired');
    expect(usage(['install', '--yes'])).toBe('error.configRequired');
    expect(usage(['plan', '--config', 'a', 'extra'])).toBe('error.args');
    expect(usage(['install', '--config'])).toBe('error.args');
  });
});

describe('cliLanguage', () => {
  it('takes the environment locale unless it is C/POSIX, then LANG= from the kernel command line', () => {
    expect(cliLanguage({ LANG: 'zh_CN.UTF-8' }, '')).toBe('zh-CN');
    expect(cliLanguage({ LC_ALL: 'zh_TW.UTF-8', LANG: 'en_US.UTF-8' }, '')).toBe('zh-TW');
    expect(cliLanguage({ LANG: 'C.UTF-8' }, 'quiet LANG=zh_TW.UTF-8')).toBe('zh-TW');
    expect(cliLanguage({}, 'root=livekit:CDLABEL=X LANG=zh_CN.UTF-8')).toBe('zh-CN');
    expect(cliLanguage({ LANG: 'POSIX' }, 'quiet')).toBe('en');
  });
});
