// "Open a terminal in this system": the logind session picked, and the exact command that starts MATE's
// terminal as the Live user on its display (pure; the effect is one systemd-run call).
import { describe, expect, it } from 'vitest';
import { parseProperties, pickGraphicalSession, safeLocale, shellCommandLine, terminalCommand, terminalUnit } from '../../electron/engine/rescue/terminal.ts';

const props = (s: string) => parseProperties(s);

describe('terminal in a system', () => {
  it('picks the active local X11 session of a person, not a greeter, a tty or a remote one', () => {
    const sessions = [
      props('Id=c1\nName=lightdm\nUser=110\nType=x11\nClass=greeter\nActive=no\nRemote=no\nDisplay=:0'),
      props('Id=3\nName=root\nUser=0\nType=tty\nClass=user\nActive=yes\nRemote=no\nDisplay='),
      props('Id=5\nName=eve\nUser=1001\nType=x11\nClass=user\nActive=yes\nRemote=yes\nDisplay=:1'),
      props('Id=2\nName=live\nUser=1000\nType=x11\nClass=user\nActive=yes\nRemote=no\nDisplay=:0'),
    ];
    expect(pickGraphicalSession(sessions)).toEqual({ id: '2', user: 'live', uid: 1000, display: ':0' });
    expect(pickGraphicalSession(sessions.slice(0, 3))).toBeUndefined();
  });

  it('builds systemd-run as the session user with its display, runtime dir and bus, running sudo livekit shell', () => {
    const argv = terminalCommand({ session: { id: '2', user: 'live', uid: 1000, display: ':0' }, home: '/home/live', systemId: 'sda2', title: 'Debian GNU/Linux 12 (sda2)', locale: 'zh_CN.UTF-8', unit: 'livekit-shell-sda2-x' });
    expect(argv).toEqual([
      'systemd-run', '--unit=livekit-shell-sda2-x', '--collect', '--quiet', '--uid=live', '--gid=live', '--working-directory=/home/live',
      '--setenv=HOME=/home/live', '--setenv=USER=live', '--setenv=DISPLAY=:0', '--setenv=XAUTHORITY=/home/live/.Xauthority',
      '--setenv=XDG_RUNTIME_DIR=/run/user/1000', '--setenv=DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus', '--setenv=LANG=zh_CN.UTF-8',
      '--', '/usr/bin/mate-terminal', '--title=Debian GNU/Linux 12 (sda2)', '--', 'sudo', 'livekit', 'shell', 'sda2',
    ]);
    expect(shellCommandLine('nvme0n1p3')).toEqual(['sudo', 'livekit', 'shell', 'nvme0n1p3']);
  });

  it('passes only a locale that looks like one, and names units safely', () => {
    expect(safeLocale('en_US.UTF-8')).toBe('en_US.UTF-8');
    expect(safeLocale('x; rm -rf /')).toBeUndefined();
    const argv = terminalCommand({ session: { id: '2', user: 'live', uid: 1000, display: ':0' }, home: '/home/live', systemId: 'sda2', title: 't', locale: '$(id)', unit: 'u' });
    expect(argv.some((a) => a.startsWith('--setenv=LANG'))).toBe(false);
    expect(terminalUnit('mapper/x y', 0)).toBe('livekit-shell-mapper_x_y-0');
  });
});
