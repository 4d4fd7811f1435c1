// Pure parsing of the `livekit` command line (node:util parseArgs, strict): which command, which flags.
// One parser for every command, `serve` included, so each answers --help and refuses the same way.
import { parseArgs } from 'node:util';

export const COMMANDS = ['sysroots', 'disks', 'schema', 'validate', 'plan', 'install', 'serve', 'autoinstall', 'cleanup', 'systems', 'mount', 'shell', 'unmount', 'repair'] as const;
/** What `livekit repair <kind>` repairs (electron/engine/rescue/plan.ts). */
export const REPAIRS = ['boot', 'fstab', 'password', 'fsck', 'copy-home'] as const;
export type Repair = (typeof REPAIRS)[number];
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command: Command;
  json: boolean;
  yes: boolean;
  config?: string;
  log?: string;
  medium?: string;
  sysroots?: string;
  cmdlineFile?: string;
  /** serve: the port to listen on (0: any free port). */
  port: number;
  /** serve: the demo medium and disk images instead of the machine's. */
  demo: boolean;
  /** serve: a renderer build to serve instead of the bundled one. */
  renderer?: string;
  /** serve: write the URL (it holds the token) to this file, mode 0600, instead of printing it. */
  urlFile?: string;
  /** autoinstall: the answers' source instead of `livekit.autoinstall=` on the command line. */
  source?: string;
  /** autoinstall: where the result and the log go. */
  resultDir?: string;
  /** mount, shell, unmount, repair: the system (`sda2`, `/dev/sda2`, its root's UUID). */
  system?: string;
  /** repair: what to repair. */
  repair?: Repair;
  /** repair password, copy-home: the user. */
  user?: string;
  /** repair copy-home: the folder the home is copied into. */
  to?: string;
  /** install: the disk's encryption passphrase is read from stdin (asked twice on a terminal). */
  passphraseStdin?: boolean;
}

/** `livekit --help` (no command) or `livekit <command> --help`. */
export interface HelpRequest {
  help: true;
  command?: Command;
}

export class UsageError extends Error {
  constructor(
    /** i18n key in namespace `cli`. */
    readonly key: string,
    readonly params: Record<string, string> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`);
    this.name = 'UsageError';
  }
}

/** Which flags each command accepts besides the common ones (--medium, --sysroots, --cmdline-file). */
const ALLOWED: Record<Command, string[]> = {
  sysroots: ['json'],
  disks: ['json'],
  schema: [],
  validate: ['config'],
  plan: ['config', 'json'],
  install: ['config', 'yes', 'json', 'log', 'passphrase-stdin'],
  serve: ['port', 'demo', 'renderer', 'url-file'],
  autoinstall: ['source', 'result-dir'],
  cleanup: ['json'],
  systems: ['json'],
  mount: [],
  shell: [],
  unmount: [],
  repair: ['yes', 'json', 'log', 'to'],
};
const COMMON = ['medium', 'sysroots', 'cmdline-file', 'help'];
const NEEDS_CONFIG: Command[] = ['validate', 'plan', 'install'];

const OPTIONS = {
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  config: { type: 'string', short: 'c' },
  log: { type: 'string' },
  medium: { type: 'string' },
  sysroots: { type: 'string' },
  'cmdline-file': { type: 'string' },
  port: { type: 'string' },
  demo: { type: 'boolean' },
  renderer: { type: 'string' },
  'url-file': { type: 'string' },
  source: { type: 'string' },
  'result-dir': { type: 'string' },
  to: { type: 'string' },
  'passphrase-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function isCommand(s: string): s is Command {
  return (COMMANDS as readonly string[]).includes(s);
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError('error.port', { value });
  return n;
}

export function parseCliArgs(argv: string[]): CliArgs | HelpRequest {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    return topic !== undefined && isCommand(topic) ? { help: true, command: topic } : { help: true };
  }
  if (!isCommand(command)) throw new UsageError('error.unknownCommand', { command });
  // --help wins over every other mistake on the line: a user asking how is told how.
  if (rest.includes('--help') || rest.includes('-h')) return { help: true, command };

  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: POSITIONALS.includes(command), options: OPTIONS }));
  } catch (e) {
    throw new UsageError('error.args', { message: (e as Error).message });
  }
  const allowed = new Set([...ALLOWED[command], ...COMMON]);
  for (const k of Object.keys(values)) {
    if (!allowed.has(k)) throw new UsageError('error.flagNotFor', { flag: `--${k}`, command });
  }
  if (NEEDS_CONFIG.includes(command) && !values.config) throw new UsageError('error.configRequired', { command });

  const out: CliArgs = { command, json: !!values.json, yes: !!values.yes, port: 0, demo: !!values.demo };
  if (values.config !== undefined) out.config = values.config;
  if (values.log !== undefined) out.log = values.log;
  if (values.medium !== undefined) out.medium = values.medium;
  if (values.sysroots !== undefined) out.sysroots = values.sysroots;
  if (values['cmdline-file'] !== undefined) out.cmdlineFile = values['cmdline-file'];
  if (values.port !== undefined) out.port = portNumber(values.port);
  if (values.renderer !== undefined) out.renderer = values.renderer;
  if (values['url-file'] !== undefined) out.urlFile = values['url-file'];
  if (values.source !== undefined) out.source = values.source;
  if (values['result-dir'] !== undefined) out.resultDir = values['result-dir'];
  if (values.to !== undefined) out.to = values.to;
  if (values['passphrase-stdin']) out.passphraseStdin = true;
  if (POSITIONALS.includes(command)) Object.assign(out, systemArgs(command, positionals, out));
  return out;
}

/** Commands that name a system (and, for repair, what to repair and maybe a user). */
const POSITIONALS: Command[] = ['mount', 'shell', 'unmount', 'repair'];

function systemArgs(command: Command, pos: string[], a: CliArgs): Partial<CliArgs> {
  if (command !== 'repair') {
    if (pos.length === 0) throw new UsageError('error.systemRequired', { command });
    if (pos.length > 1) throw new UsageError('error.extraArgs', { command, args: pos.slice(1).join(' ') });
    return { system: pos[0]! };
  }
  const [kind, system, user, ...extra] = pos;
  if (kind === undefined || !(REPAIRS as readonly string[]).includes(kind)) throw new UsageError('error.repairKind', { kind: kind ?? '', kinds: REPAIRS.join(', ') });
  if (system === undefined) throw new UsageError('error.systemRequired', { command: `repair ${kind}` });
  const needsUser = kind === 'password' || kind === 'copy-home';
  if (needsUser && user === undefined) throw new UsageError('error.userRequired', { command: `repair ${kind}` });
  const surplus = needsUser ? extra : [user, ...extra].filter((x): x is string => x !== undefined);
  if (surplus.length) throw new UsageError('error.extraArgs', { command: `repair ${kind}`, args: surplus.join(' ') });
  if (kind === 'copy-home' && !a.to) throw new UsageError('error.toRequired');
  if (kind !== 'copy-home' && a.to) throw new UsageError('error.flagNotFor', { flag: '--to', command: `repair ${kind}` });
  return { repair: kind as Repair, system, ...(needsUser ? { user: user! } : {}) };
}
