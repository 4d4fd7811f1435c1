// "Open a terminal in this system": MATE's terminal, in the Live session's graphical session and as its
// user, running `sudo livekit shell <system>` (the Live user has sudo without a password on the medium).
// The engine runs as root in its own systemd unit, so the terminal is started as a transient unit of its
// own (`systemd-run --uid=<user>`) with the session's DISPLAY, XAUTHORITY, runtime dir and D-Bus address:
// it is not the engine's child (a restart of the engine leaves it open) and needs no systemd-machined.
// The session comes from logind (`loginctl`). Pure command building and parsing here; one effect at the end.
import { existsSync } from 'node:fs';
import type { CommandRunner } from '../run/runner.ts';
import type { TerminalOutcome } from '../../shared/rescue.ts';

export const TERMINAL = '/usr/bin/mate-terminal';

/** What `livekit shell` is, typed in a terminal of the Live session. */
export function shellCommandLine(systemId: string): string[] {
  return ['sudo', 'livekit', 'shell', systemId];
}

export interface GraphicalSession {
  id: string;
  user: string;
  uid: number;
  display: string;
}

/** `loginctl show-session` output (KEY=VALUE lines) as a record. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** The local, active X11 session of a person (not a greeter, not remote); the first one when several. */
export function pickGraphicalSession(sessions: Record<string, string>[]): GraphicalSession | undefined {
  const s = sessions.find((p) => p.Active === 'yes' && p.Remote !== 'yes' && p.Class === 'user' && p.Type === 'x11' && /^:\d+(\.\d+)?$/.test(p.Display ?? '') && !!p.Name);
  if (!s) return undefined;
  return { id: s.Id ?? '', user: s.Name!, uid: Number(s.User), display: s.Display! };
}

/** A locale for the terminal's environment, only when it looks like one (`zh_CN.UTF-8`). */
export function safeLocale(locale: string | undefined): string | undefined {
  return locale && /^[A-Za-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@\w+)?$/.test(locale) ? locale : undefined;
}

export interface TerminalSpec {
  session: GraphicalSession;
  home: string;
  systemId: string;
  /** The window's title. */
  title: string;
  locale?: string;
  /** Unique name of the transient unit. */
  unit: string;
}

/** The argv (no shell) that starts the terminal in the session as its user. */
export function terminalCommand(s: TerminalSpec): string[] {
  const { session: x } = s;
  const runtime = `/run/user/${x.uid}`;
  const locale = safeLocale(s.locale);
  return [
    'systemd-run',
    `--unit=${s.unit}`,
    '--collect',
    '--quiet',
    `--uid=${x.user}`,
    `--gid=${x.user}`,
    `--working-directory=${s.home}`,
    `--setenv=HOME=${s.home}`,
    `--setenv=USER=${x.user}`,
    `--setenv=DISPLAY=${x.display}`,
    `--setenv=XAUTHORITY=${s.home}/.Xauthority`,
    `--setenv=XDG_RUNTIME_DIR=${runtime}`,
    `--setenv=DBUS_SESSION_BUS_ADDRESS=unix:path=${runtime}/bus`,
    ...(locale ? [`--setenv=LANG=${locale}`] : []),
    '--',
    TERMINAL,
    `--title=${s.title}`,
    '--',
    ...shellCommandLine(s.systemId),
  ];
}

/** A transient unit's name for a terminal in `systemId` (systemd unit names: [A-Za-z0-9:_.\-]). */
export function terminalUnit(systemId: string, now = Date.now()): string {
  return `livekit-shell-${systemId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${now.toString(36)}`;
}

/** Effect: finds the session and starts the terminal there; or says why not, with the command to type. */
export async function openTerminal(runner: CommandRunner, o: { systemId: string; title: string; locale?: string }): Promise<TerminalOutcome> {
  const command = shellCommandLine(o.systemId);
  if (!existsSync(TERMINAL)) return { started: false, command, reason: 'no-terminal' };
  let session: GraphicalSession | undefined;
  try {
    const list = await runner.run(['loginctl', 'list-sessions', '--no-legend']);
    const ids = list.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((x): x is string => !!x && /^[A-Za-z0-9]+$/.test(x));
    const props: Record<string, string>[] = [];
    for (const id of ids) {
      const r = await runner.run(['loginctl', 'show-session', id, '-p', 'Id', '-p', 'Name', '-p', 'User', '-p', 'Type', '-p', 'Class', '-p', 'Active', '-p', 'Remote', '-p', 'Display']);
      props.push(parseProperties(r.stdout));
    }
    session = pickGraphicalSession(props);
  } catch {
    session = undefined; // no logind (a medium without systemd)
  }
  if (!session) return { started: false, command, reason: 'no-session' };
  try {
    const pw = await runner.run(['getent', 'passwd', session.user]);
    const home = pw.stdout.trim().split(':')[5] || `/home/${session.user}`;
    await runner.run(terminalCommand({ session, home, systemId: o.systemId, title: o.title, ...(o.locale ? { locale: o.locale } : {}), unit: terminalUnit(o.systemId) }));
    return { started: true, command };
  } catch {
    return { started: false, command, reason: 'failed' };
  }
}
