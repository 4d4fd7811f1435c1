// Pure parsing of the `livekit` command line (node:util parseArgs, strict): which command, which flags.
import { parseArgs } from 'node:util';

export const COMMANDS = ['sysroots', 'disks', 'schema', 'validate', 'plan', 'install', 'serve'] as const;
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
  /** Arguments after the command, for `serve`, which parses its own. */
  rest: string[];
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
const ALLOWED: Record<Exclude<Command, 'serve'>, string[]> = {
  sysroots: ['json'],
  disks: ['json'],
  schema: [],
  validate: ['config'],
  plan: ['config', 'json'],
  install: ['config', 'yes', 'json', 'log'],
};
const NEEDS_CONFIG: Command[] = ['validate', 'plan', 'install'];

export function parseCliArgs(argv: string[]): CliArgs | { help: true } {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { help: true };
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError('error.unknownCommand', { command });
  if (command === 'serve') return { command: 'serve', json: false, yes: false, rest };

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        config: { type: 'string', short: 'c' },
        log: { type: 'string' },
        medium: { type: 'string' },
        sysroots: { type: 'string' },
        'cmdline-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError('error.args', { message: (e as Error).message });
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const allowed = new Set([...ALLOWED[command as Exclude<Command, 'serve'>], 'medium', 'sysroots', 'cmdline-file']);
  for (const k of Object.keys(v)) {
    if (!allowed.has(k)) throw new UsageError('error.flagNotFor', { flag: `--${k}`, command });
  }
  if (NEEDS_CONFIG.includes(command as Command) && !v.config) throw new UsageError('error.configRequired', { command });

  const out: CliArgs = { command: command as Command, json: !!v.json, yes: !!v.yes, rest: [] };
  if (v.config !== undefined) out.config = v.config;
  if (v.log !== undefined) out.log = v.log;
  if (v.medium !== undefined) out.medium = v.medium;
  if (v.sysroots !== undefined) out.sysroots = v.sysroots;
  if (v['cmdline-file'] !== undefined) out.cmdlineFile = v['cmdline-file'];
  return out;
}
