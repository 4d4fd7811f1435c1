// Effects: a look inside a locked (LUKS) volume. The passphrase is tried first (`--test-passphrase`: no
// mapping, so a wrong one is told apart from a machine that cannot open containers), then the container is
// opened read-only for as long as the look lasts and closed after it, whatever happens: the mapping is held
// like an executor's (written in the journal first, so a process killed meanwhile leaves it for the next
// run's leftovers; registered for the last-resort handler). The passphrase reaches cryptsetup on stdin only.
import { execa } from 'execa';
import { CodedError } from '../run/coded-error.ts';
import { HeldJournal, defaultHeldDir } from '../run/held-journal.ts';
import { HeldStack } from '../run/held-stack.ts';
import { CommandError, ExecaRunner, type CommandRunner } from '../run/runner.ts';
import { parseBlkidExport } from '../disks/blkid.ts';
import { LINUX_FILESYSTEMS, mountOptions } from './candidates.ts';
import type { InnerVolume } from './classify.ts';
import { probeMounted } from './prober.ts';
import type { VolumeProbe } from './types.ts';

/** cryptsetup's exit code when no key slot opens with the passphrase given. */
export const WRONG_PASSPHRASE_EXIT = 2;

/** The passphrase opens no key slot of the container. */
export class WrongPassphraseError extends CodedError {
  constructor(device: string) {
    super('wrong-passphrase', { device }, `the passphrase does not open ${device}`);
    this.name = 'WrongPassphraseError';
  }
}

/** The passphrase is right, but the container could not be opened here (no device-mapper, a busy name). */
export class LuksOpenError extends CodedError {
  constructor(device: string, reason: string) {
    super('luks-open-failed', { device, reason }, `${device} could not be opened: ${reason}`);
    this.name = 'LuksOpenError';
  }
}

/** cryptsetup says the cause first (`Cannot initialize device-mapper…`), then what failed because of it. */
const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

/** Throws WrongPassphraseError unless `passphrase` opens a key slot of `device` (nothing is mapped). */
export async function testPassphrase(runner: CommandRunner, device: string, passphrase: string): Promise<void> {
  try {
    await runner.run(['cryptsetup', 'open', '--test-passphrase', '--type', 'luks', '--key-file=-', device], { stdin: passphrase });
  } catch (e) {
    if (e instanceof CommandError && e.exitCode === WRONG_PASSPHRASE_EXIT) throw new WrongPassphraseError(device);
    throw new LuksOpenError(device, e instanceof CommandError ? firstLine(e.stderrTail) : (e as Error).message);
  }
}

export interface OpenOptions {
  device: string;
  /** The mapping's name (/dev/mapper/<name>). */
  name: string;
  passphrase: string;
  runner?: CommandRunner;
  /** The journal's folder (default /run/livekit/held); null: none. */
  heldDir?: string | null;
  log?: (message: string) => void;
}

/** Runs `fn` with the container opened read-only as /dev/mapper/<name>; closes it after, whatever happens. */
export async function withOpened<T>(o: OpenOptions, fn: (mapper: string) => Promise<T>): Promise<T> {
  const runner = o.runner ?? new ExecaRunner();
  await testPassphrase(runner, o.device, o.passphrase);
  const what = `look inside ${o.device}`;
  const heldDir = o.heldDir === undefined ? defaultHeldDir() : o.heldDir;
  const held = new HeldStack((argv, extra) => runner.run(argv, extra ?? {}), (m) => o.log?.(m), heldDir === null ? undefined : new HeldJournal(heldDir, what), what);
  try {
    await held
      .openLuks(o.name, o.device, () => runner.run(['cryptsetup', 'open', '--readonly', '--type', 'luks', '--key-file=-', o.device, o.name], { stdin: o.passphrase }))
      .catch((e: unknown) => {
        if (e instanceof CommandError && e.exitCode === WRONG_PASSPHRASE_EXIT) throw new WrongPassphraseError(o.device);
        throw new LuksOpenError(o.device, e instanceof CommandError ? firstLine(e.stderrTail) : (e as Error).message);
      });
    return await fn(`/dev/mapper/${o.name}`);
  } finally {
    await held.release();
    held.close();
  }
}

/**
 * What the opened container holds (blkid, read-only), and that filesystem read as any volume is: a system's
 * os-release, fstab, crypttab, /boot, tools and users. `as` is the device name the results carry (the
 * mapping the plans will open, which may differ from the one looked through).
 */
export async function probeOpened(mapper: string, as: string): Promise<{ inner: InnerVolume; probe: VolumeProbe }> {
  const blkid = await execa('blkid', ['-p', '-o', 'export', mapper], { reject: false, env: { LC_ALL: 'C' } });
  const e = parseBlkidExport(String(blkid.stdout)).get(mapper) ?? {};
  const size = await execa('blockdev', ['--getsize64', mapper], { reject: false });
  const inner: InnerVolume = { device: as, fstype: e.TYPE ?? '', ...(e.UUID ? { uuid: e.UUID } : {}), sizeBytes: Number(String(size.stdout).trim()) || 0 };
  if (!(LINUX_FILESYSTEMS as readonly string[]).includes(inner.fstype)) {
    return { inner, probe: { device: as, read: false, error: inner.fstype ? `${inner.fstype}: not a Linux root file system` : 'no file system found' } };
  }
  const probe = await probeMounted(mapper, { kind: 'mount', fstype: inner.fstype, options: mountOptions(inner.fstype) });
  return { inner, probe: { ...probe, device: as } };
}
