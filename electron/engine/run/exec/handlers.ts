// The executor's handlers, one per kind of plan action. Each does what its action says, through the run's
// context: a new kind of resource (a LUKS mapping) is a new handler and a new kind of held thing, and the
// step loop stays as it is.
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Action, CopyMethod } from '../../../shared/plan.ts';
import { CodedError } from '../coded-error.ts';
import { RsyncCopier, type Copier } from '../copier.ts';
import { MTOOLS_ENV } from '../held-stack.ts';
import { LayerCopier } from '../layer-copier.ts';
import { detectCopyMethod } from '../layer-stack.ts';
import { appendLogPart } from '../output-file.ts';
import { fillSecretTemplate } from '../redact.ts';
import { CommandError } from '../runner.ts';
import { confinedWritePath } from '../target-path.ts';
import type { ExecContext, StepContext } from './context.ts';

type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;
type Handler<K extends Action['kind']> = (a: ActionOf<K>, ctx: ExecContext, step: StepContext) => Promise<void>;

/** A check the plan runs (a read-only fsck) found what it looks for: said by its meaning, with its output. */
export class FailedCheckError extends CodedError {
  constructor(
    code: string,
    device: string,
    readonly command: CommandError,
  ) {
    super(code, { device, program: command.argv[0] ?? '', exitCode: command.exitCode }, `${command.argv[0]} found errors on ${device} (exit code ${command.exitCode})`);
    this.name = 'FailedCheckError';
  }
}

/**
 * Some kernels (CI machines) have no vfat at all. The ESP is then staged in a tmpfs holding its current
 * files (mtools reads them), commands write there, and release writes it back with mtools before the
 * tmpfs goes. Kernels with vfat never take this path.
 */
async function stageFat(ctx: ExecContext, device: string, dir: string): Promise<void> {
  ctx.log(`the kernel cannot mount vfat: staging ${device} in a tmpfs at ${dir}, written back with mtools`, 'warn');
  // The device as the tmpfs's source: grub-install finds the ESP's device through the mount table and
  // checks, reading the device itself, that it holds FAT.
  await ctx.held.mount(device, dir, () => ctx.run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', device, dir]));
  const listing = await ctx.run(['mdir', '-b', '-i', device, '::/'], { env: MTOOLS_ENV, okExitCodes: [0, 1] });
  if (listing.stdout.trim()) await ctx.run(['mcopy', '-s', '-p', '-n', '-i', device, '::/*', dir], { env: MTOOLS_ENV });
  ctx.held.stagedFat(device, dir);
}

/**
 * The copier for a copy action: the layer unpacker when the plan found the sysroot's squashfs stack and the
 * mount table still shows the same stack now; rsync otherwise. The log says which, and why.
 */
function chooseCopier(method: CopyMethod | undefined, source: string, log: ExecContext['log']): Copier {
  const rsync = new RsyncCopier();
  if (!method || method.kind === 'rsync') {
    log(`copy: copier rsync (${method ? `${method.reason}: ${method.detail}` : 'the plan names no copy method'})`);
    return rsync;
  }
  const now = detectCopyMethod(source);
  if (now.kind !== 'layers' || JSON.stringify(now.layers) !== JSON.stringify(method.layers)) {
    log(`copy: copier rsync (the sysroot's layers changed since planning${now.kind === 'rsync' ? `: ${now.detail}` : ''})`, 'warn');
    return rsync;
  }
  log(`copy: copier unsquashfs, ${method.layers.length} squashfs layer(s) bottom-up: ${method.layers.map((l) => l.image).join(' ')}`);
  return new LayerCopier(method.layers, rsync);
}

const attachImage: Handler<'attach-image'> = async (a, ctx) => {
  const image = ctx.devices.res(a.image);
  const disk = await ctx.held.attachLoop(image, async () => (await ctx.run(['losetup', '--find', '--show', '--partscan', image])).stdout.trim());
  ctx.devices.setDisk(disk);
  ctx.log(`attached ${a.image} as ${disk}`);
};

const runCommand: Handler<'run'> = async (a, ctx) => {
  const argv = a.argv.map((x) => ctx.devices.res(x));
  if (a.chroot) await ctx.devices.linkUuids(ctx.held, ctx.log);
  const full = a.chroot ? ['chroot', ctx.plan.targetRoot, ...argv] : argv;
  let stdin = a.stdin !== undefined ? ctx.devices.res(a.stdin) : undefined;
  if (a.stdinSecret) stdin = (stdin ?? '') + fillSecretTemplate(a.stdinSecret.template, ctx.secret(a.stdinSecret.ref));
  try {
    await ctx.run(full, {
      ...(stdin !== undefined ? { stdin } : {}),
      ...(a.env ? { env: a.env } : {}),
      ...(a.okExitCodes ? { okExitCodes: a.okExitCodes } : {}),
    });
  } catch (e) {
    if (a.failCode && e instanceof CommandError && !e.aborted) throw new FailedCheckError(a.failCode, argv[argv.length - 1] ?? '', e);
    throw e;
  }
};

const mount: Handler<'mount'> = async (a, ctx) => {
  const target = ctx.devices.res(a.target);
  mkdirSync(target, { recursive: true });
  const argv = ['mount'];
  if (a.bind) argv.push('--bind');
  if (a.fstype) argv.push('-t', a.fstype);
  if (a.options?.length) argv.push('-o', a.options.join(','));
  const source = ctx.devices.res(a.source);
  argv.push(source, target);
  try {
    await ctx.held.mount(source, target, () => ctx.run(argv));
  } catch (e) {
    const noVfat = a.fstype === 'vfat' && e instanceof CommandError && /unknown filesystem type/.test(e.stderrTail);
    if (!noVfat) throw e;
    await stageFat(ctx, source, target);
  }
};

const writeFile: Handler<'write-file'> = async (a, ctx) => {
  const path = confinedWritePath(ctx.plan.targetRoot, ctx.devices.res(a.path), a.append ? 'append' : 'write');
  const content = ctx.devices.res(a.content);
  if (a.append) appendFileSync(path, content);
  else writeFileSync(path, content);
  if (a.mode !== undefined) chmodSync(path, a.mode);
  ctx.log(`${a.append ? 'appended to' : 'wrote'} ${path}`);
};

const copy: Handler<'copy'> = async (a, ctx, step) => {
  const source = ctx.devices.res(a.source);
  const target = ctx.devices.res(a.target);
  const copier = ctx.copier ?? chooseCopier(a.method, source, ctx.log);
  ctx.log(`copy: ${source} -> ${target} (${a.totalBytes} bytes, ${a.totalFiles} files)`);
  await copier.copy({
    source,
    target,
    totalBytes: a.totalBytes,
    totalFiles: a.totalFiles,
    runner: ctx.runner,
    signal: ctx.signal,
    onLog: (l) => ctx.log(l, 'debug'),
    onWarn: (l) => ctx.log(l, 'warn'),
    onProgress: (p) => {
      step.setFraction(p.percent / 100);
      step.progress({ bytes: p.bytes, total: p.total, rate: p.rate, eta: p.eta });
    },
  });
};

const release: Handler<'release'> = async (a, ctx) => {
  await ctx.held.release({ keepDevices: a.keepDevices === true });
  if (ctx.held.fatWriteFailed) throw new Error('Writing the EFI system partition back with mtools failed');
};

/** cryptsetup's exit code when no key slot opens with the passphrase given. */
const WRONG_PASSPHRASE_EXIT = 2;

const openLuks: Handler<'open-luks'> = async (a, ctx) => {
  const device = ctx.devices.res(a.device);
  const open = () => ctx.run(['cryptsetup', 'open', '--type', a.type ?? 'luks2', '--key-file=-', device, a.name], { stdin: ctx.secret(a.secret) });
  await ctx.held.openLuks(a.name, device, open).catch((e: unknown) => {
    // Said by its meaning (a repair's passphrase typed wrong), not as an exit code.
    if (e instanceof CommandError && !e.aborted && e.exitCode === WRONG_PASSPHRASE_EXIT) throw new CodedError('wrong-passphrase', { device }, `the passphrase does not open ${device}`);
    throw e;
  });
  ctx.log(`opened ${device} as /dev/mapper/${a.name}`);
};

const verifyTarget: Handler<'verify-target'> = async (_a, ctx) => {
  await ctx.verifyTargets?.();
  ctx.log('the target is still the disk the plan was made for');
};

const saveLog: Handler<'save-log'> = async (a, ctx) => {
  // Inside the target as its system sees it (a /var/log link to a host path stays inside); this run's lines only.
  const path = confinedWritePath(ctx.plan.targetRoot, ctx.devices.res(a.path), 'append');
  ctx.log(`log saved to ${path}`);
  appendLogPart(ctx.logOut, path);
};

const HANDLERS: { [K in Action['kind']]: Handler<K> } = {
  'attach-image': attachImage,
  'settle-partitions': (_a, ctx) => ctx.devices.settle((argv, extra) => ctx.run(argv, extra), ctx.settleTimeoutMs),
  run: runCommand,
  mount,
  'write-file': writeFile,
  copy,
  release,
  'verify-target': verifyTarget,
  'open-luks': openLuks,
  'save-log': saveLog,
};

/** Does what `a` says. */
export function perform(a: Action, ctx: ExecContext, step: StepContext): Promise<void> {
  return (HANDLERS[a.kind] as Handler<typeof a.kind>)(a as never, ctx, step);
}
