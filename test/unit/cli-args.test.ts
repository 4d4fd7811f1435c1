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
      port: 0,
      demo: false,
    });
    expect(parseCliArgs(['sysroots', '--json'])).toMatchObject({ command: 'sysroots', json: true });
    expect(parseCliArgs(['schema'])).toMatchObject({ command: 'schema' });
    expect(parseCliArgs(['validate', '--config=x.json'])).toMatchObject({ command: 'validate', config: 'x.json' });
  });
  it('parses serve with the same parser: port, demo, renderer and the common options', () => {
    expect(parseCliArgs(['serve', '--port', '8080', '--demo', '--renderer', 'r', '--cmdline-file', '/tmp/c', '--medium', '/m', '--sysroots', '/s'])).toEqual({
      command: 'serve', json: false, yes: false, port: 8080, demo: true, renderer: 'r', cmdlineFile: '/tmp/c', medium: '/m', sysroots: '/s',
    });
    expect(parseCliArgs(['serve'])).toMatchObject({ command: 'serve', port: 0, demo: false });
  });
  it('help: the whole usage, or one command (even when the rest of the line is wrong)', () => {
    expect(parseCliArgs([])).toEqual({ help: true });
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['help', 'install'])).toEqual({ help: true, command: 'install' });
    expect(parseCliArgs(['plan', '-h'])).toEqual({ help: true, command: 'plan' });
    expect(parseCliArgs(['serve', '--help'])).toEqual({ help: true, command: 'serve' });
    expect(parseCliArgs(['install', '--bogus', '--help'])).toEqual({ help: true, command: 'install' });
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
    expect(usage(['serve', '--host', '0.0.0.0'])).toBe('error.args');
    expect(usage(['serve', '--port', '99999'])).toBe('error.port');
    expect(usage(['serve', '--port', '80x'])).toBe('error.port');
    expect(usage(['serve', '--port'])).toBe('error.args');
    expect(usage(['serve', '--yes'])).toBe('error.flagNotFor');
    expect(usage(['install', '--config', 'a', '--demo'])).toBe('error.flagNotFor');
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

describe('maintenance commands', () => {
  it('parse the system, the repair, the user and --to', () => {
    expect(parseCliArgs(['mount', 'sda2'])).toMatchObject({ command: 'mount', system: 'sda2' });
    expect(parseCliArgs(['repair', 'boot', '/dev/sda2', '--yes'])).toMatchObject({ command: 'repair', repair: 'boot', system: '/dev/sda2', yes: true });
    expect(parseCliArgs(['repair', 'password', 'sda2', 'alice'])).toMatchObject({ repair: 'password', user: 'alice' });
    expect(parseCliArgs(['repair', 'copy-home', 'sda2', 'alice', '--to', '/media/x'])).toMatchObject({ repair: 'copy-home', user: 'alice', to: '/media/x' });
    expect(parseCliArgs(['systems', '--json'])).toMatchObject({ command: 'systems', json: true });
  });
  it('refuse what is missing or extra, and never take a password on the command line', () => {
    const key = (argv: string[]) => {
      try {
        parseCliArgs(argv);
        return 'parsed';
      } catch (e) {
        return (e as UsageError).key;
      }
    };
    expect(key(['shell'])).toBe('error.systemRequired');
    expect(key(['mount', 'sda2', 'sdb1'])).toBe('error.extraArgs');
    expect(key(['repair', 'grub', 'sda2'])).toBe('error.repairKind');
    expect(key(['repair', 'password', 'sda2'])).toBe('error.userRequired');
    expect(key(['repair', 'password', 'sda2', 'alice', 'hunter22'])).toBe('error.extraArgs');
    expect(key(['repair', 'copy-home', 'sda2', 'alice'])).toBe('error.toRequired');
    expect(key(['repair', 'fsck', 'sda2', '--to', '/x'])).toBe('error.flagNotFor');
    expect(key(['systems', 'sda2'])).toBe('error.args');
    expect(parseCliArgs(['repair', '--help'])).toEqual({ help: true, command: 'repair' });
  });
});
