// The answers object: what the user (UI) or QA (answer file) asks the engine to do.
// One schema serves the CLI's answer files, the UI's export and `livekit schema`.
import { z } from 'zod';

export const LAYOUTS = ['auto', 'gpt-uefi', 'gpt-bios', 'mbr-bios'] as const;
export const FILESYSTEMS = ['ext4', 'xfs', 'btrfs'] as const;

/** A size such as `4GiB`, `512MiB`, `2G` or a byte count. Parsed by `parseSize`. */
export const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$/i;

const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

export const targetSchema = strict({
  /** A whole disk (block device) or a disk image file to erase. */
  disk: z.string().min(1).optional(),
  layout: z.enum(LAYOUTS).default('auto'),
  filesystem: z.enum(FILESYSTEMS).default('ext4'),
  /** `auto` (a swap file sized from RAM, capped), `none`, or a size. */
  swap: z.string().default('auto'),
  /** Install into existing partitions instead of erasing a disk: root is formatted, an ESP is kept. */
  partitions: strict({ root: z.string().min(1), efi: z.string().min(1).optional() }).optional(),
});

export const userSchema = strict({
  name: z.string(),
  fullname: z.string().optional(),
  password: z.string().optional(),
  'password-hash': z.string().optional(),
  /** Member of the variant's administrator groups (wheel, sudo): may use sudo. Default true. */
  admin: z.boolean().default(true),
  /** Logged in without a password at boot by the variant's display manager. Default false. */
  autologin: z.boolean().default(false),
});

/** The root account: locked (absent, the default: the user administers with sudo) or given a password. */
export const rootSchema = strict({
  password: z.string().optional(),
  'password-hash': z.string().optional(),
});

/** XKB keyboard layout for the console and X11 (`/etc/default/keyboard`, xorg.conf.d). Default: from the locale. */
export const keyboardSchema = strict({
  layout: z.string().min(1),
  variant: z.string().optional(),
});

/**
 * Full-disk encryption: root in LUKS2. The passphrase itself, or a root-only file holding it; an exported
 * answer file says `passphrase: null` (a hash cannot unlock a disk) for a person or QA to fill in.
 */
export const encryptionSchema = strict({
  passphrase: z.string().nullable().optional(),
  'passphrase-file': z.string().min(1).optional(),
});

export const answersSchema = strict({
  version: z.literal(1),
  variant: z.string().min(1),
  target: targetSchema,
  hostname: z.string(),
  /** Default: LANG= on the kernel command line, else en_US.UTF-8. */
  locale: z.string().optional(),
  /** Absent: the locale's usual zone (zh_CN → Asia/Shanghai; validateAnswers fills it), else UTC. */
  timezone: z.string().default('UTC'),
  rtc: z.enum(['utc', 'local']).default('utc'),
  user: userSchema,
  root: rootSchema.optional(),
  keyboard: keyboardSchema.optional(),
  bootloader: z.enum(['auto', 'none']).default('auto'),
  encryption: encryptionSchema.optional(),
  /** Under `livekit.autoinstall=` only: what the machine does after a successful install (default poweroff). */
  after: z.enum(['poweroff', 'reboot', 'shell']).optional(),
  /** Under `livekit.autoinstall=` only: power off after a failed install too (default: stay up with a shell). */
  'poweroff-on-error': z.boolean().optional(),
});

/** Answers as written in a file (defaults not yet applied). */
export type AnswersInput = z.input<typeof answersSchema>;
/** Answers after parsing: defaults applied. */
export type Answers = z.output<typeof answersSchema>;
export type Layout = (typeof LAYOUTS)[number];
export type Filesystem = (typeof FILESYSTEMS)[number];
export type Keyboard = z.output<typeof keyboardSchema>;
