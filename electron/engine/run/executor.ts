// Runs a Plan step by step. Everything it mounts or attaches is held on a stack (held-stack.ts), written into
// the run's journal before it is taken, and released in reverse at the plan's `release` actions, and also on
// any failure or cancel, so a rerun works without a reboot; a run killed outright leaves its journal for the
// next run to release. An exception in an event handler or a command's line handler fails the install like any
// other error; a write the target refuses (full, failing, read-only) is said as such.
import { CodedError } from './coded-error.ts';
import { appendFileSync, closeSync, existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Action, CopyMethod, ExecutablePlan, Plan, SecretRef, StepId } from '../../shared/plan.ts';
import type { InstallEvent } from '../../shared/events.ts';
import { CommandError, type CommandRunner } from './runner.ts';
import { secretValues, type Secrets } from '../../shared/secrets.ts';
import { RsyncCopier, type Copier } from './copier.ts';
import { LayerCopier } from './layer-copier.ts';
import { detectCopyMethod } from './layer-stack.ts';
import { partitionDevices, resolvePlaceholders } from './placeholders.ts';
import { fillSecretTemplate, redact, redactEvent } from './redact.ts';
import { OverallProgress } from './overall-progress.ts';
import { confinedWritePath } from './target-path.ts';
import { appendLogPart, openLog } from './output-file.ts';
import { HeldStack, MTOOLS_ENV } from './held-stack.ts';
import { defaultHeldDir, HeldJournal } from './held-journal.ts';
import { startTimeOf } from './process-identity.ts';
import { asTargetWriteError, TargetWriteError } from './target-errors.ts';


export interface ExecuteOptions {
  runner: CommandRunner;
  secrets: Secrets;
  signal?: AbortSignal;
  onEvent: (e: InstallEvent) => void;
  /** Every event is appended here as one JSON line (secret-free); `save-log` copies it into the target. */
  logFile: string;
  /** The copy stage; by default the plan's copy method picks it (benchmarks and failure injection replace it). */
  copier?: Copier;
  /** How long settle-partitions waits for partition nodes (no udev here). */
  settleTimeoutMs?: number;
  /** Where the run's journal of held things goes (default /run/livekit/held); null: none (dry runs). */
  heldDir?: string | null;
  /** The plan's `verify-target`: throws when the target is no longer the disk or file planned for. */
  verifyTargets?: () => Promise<void>;
}

export interface ExecuteResult {
  ok: boolean;
  cancelled: boolean;
  failedStep?: StepId;
}

const BY_UUID = '/dev/disk/by-uuid';

class Cancelled extends Error {}

export async function execute(plan: ExecutablePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const secrets = secretValues(opts.secrets);
  const clean = (s: string) => redact(s, secrets);
  const overall = new OverallProgress(plan.steps.map((s) => s.weight));
  let disk: string | undefined = plan.erase && !plan.erase.image ? plan.erase.path : undefined;
  let parts = partitionDevices(plan.partitions, disk);

  // A new file or an existing LiveKit log appended to, never truncated; anything else throws, untouched.
  // What needs the plan (the answer file, a target, the medium) the caller checked before confirming.
  const logOut = openLog(opts.logFile);
  // A failing event sink (a subscriber's bug, a full log disk) fails the install: the first such error is
  // kept, the running command is stopped through `signal`, and the next check throws it.
  const failing = new AbortController();
  let sinkError: Error | null = null;
  const signal = opts.signal ? AbortSignal.any([opts.signal, failing.signal]) : failing.signal;
  const emit = (event: InstallEvent) => {
    // Events are built from secret-free data, but command output could echo a secret: redact free text.
    const e = redactEvent(event, secrets);
    try {
      appendFileSync(logOut.fd, `${JSON.stringify(e)}\n`);
      opts.onEvent(e);
    } catch (err) {
      if (sinkError) return;
      sinkError = err instanceof Error ? err : new Error(String(err));
      failing.abort();
    }
  };
  const log = (message: string, level: 'info' | 'warn' | 'debug' = 'info') => emit({ type: 'log', level, message });
  const checkCancel = () => {
    if (sinkError) throw sinkError;
    if (opts.signal?.aborted) throw new Cancelled();
  };
  const res = (s: string) => resolvePlaceholders(s, disk, parts);

  const what = `${isInstallPlan(plan) ? 'install' : 'run'} to ${plan.erase?.path ?? plan.targetRoot}`;
  const heldDir = opts.heldDir === undefined ? defaultHeldDir() : opts.heldDir;
  // Every command, the copier's too, is noted in the journal while it runs: its process group may outlive a
  // killed engine (it runs detached) and go on writing into the target.
  const runner: CommandRunner = {
    run: async (argv, o = {}) => {
      let forget = () => {};
      try {
        return await opts.runner.run(argv, {
          ...o,
          onSpawn: (pid) => {
            o.onSpawn?.(pid);
            forget = held.noteProcess(pid, startTimeOf(pid) ?? '0', argv.join(' ').slice(0, 120));
          },
        });
      } finally {
        forget();
      }
    },
  };
  const run = async (argv: string[], extra: { stdin?: string; env?: Record<string, string>; okExitCodes?: number[]; abortable?: boolean } = {}) => {
    log(`$ ${argv.map(quoteForLog).join(' ')}`);
    return runner.run(argv, {
      ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
      ...(extra.env ? { env: extra.env } : {}),
      ...(extra.okExitCodes ? { okExitCodes: extra.okExitCodes } : {}),
      ...(extra.abortable !== false ? { signal } : {}),
      onLine: (line) => log(line, 'debug'),
    });
  };
  const held = new HeldStack((argv, extra) => run(argv, { ...extra, abortable: false }), log, heldDir === null ? undefined : new HeldJournal(heldDir, what), what);

  const secretFor = (ref: SecretRef): string => {
    const v = opts.secrets[ref];
    if (v === undefined) throw new Error(`The plan needs ${ref} but none was given`);
    return v;
  };

  const settle = async () => {
    if (!disk) throw new Error('settle-partitions: no disk');
    // No udev: partx creates the partition nodes; -u updates an existing set, -a adds new ones.
    await run(['partx', '-u', disk], { okExitCodes: [0, 1] });
    const wanted = Object.values(partitionDevices(plan.partitions, disk));
    const deadline = Date.now() + (opts.settleTimeoutMs ?? 10_000);
    let added = false;
    while (!wanted.every((d) => existsSync(d))) {
      if (!added) {
        await run(['partx', '-a', disk], { okExitCodes: [0, 1] });
        added = true;
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Partition nodes did not appear: ${wanted.filter((d) => !existsSync(d)).join(', ')}`);
      await sleep(100);
    }
  };

  /**
   * Without udev (no /run/udev/control) nothing creates /dev/disk/by-uuid, and grub-mkconfig then writes
   * `root=/dev/loop0p2` instead of `root=UUID=…` (10_linux checks that the by-uuid link exists): the
   * installed disk would not boot elsewhere. Before the first command inside the target, make the links
   * udev would make for the planned partitions; they are removed at release.
   */
  let linked = false;
  const linkUuids = async () => {
    if (linked || existsSync('/run/udev/control')) return;
    linked = true;
    for (const p of plan.partitions) {
      const device = parts[p.role];
      if (!p.uuid || !device || !existsSync(device)) continue;
      const path = `${BY_UUID}/${p.uuid}`;
      try {
        lstatSync(path);
        continue; // already there (udev, or another install): not ours to touch
      } catch {
        /* absent: ours to make */
      }
      mkdirSync(BY_UUID, { recursive: true });
      await held.link(path, device, () => symlinkSync(device, path));
      log(`no udev: linked ${path} -> ${device}`);
    }
  };

  /**
   * Some kernels (CI machines) have no vfat at all. The ESP is then staged in a tmpfs holding its current
   * files (mtools reads them), commands write there, and release writes it back with mtools before the
   * tmpfs goes. Kernels with vfat never take this path.
   */
  const stageFat = async (device: string, dir: string) => {
    log(`the kernel cannot mount vfat: staging ${device} in a tmpfs at ${dir}, written back with mtools`, 'warn');
    // The device as the tmpfs's source: grub-install finds the ESP's device through the mount table and
    // checks, reading the device itself, that it holds FAT.
    await held.mount(device, dir, () => run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', device, dir]));
    const listing = await run(['mdir', '-b', '-i', device, '::/'], { env: MTOOLS_ENV, okExitCodes: [0, 1] });
    if (listing.stdout.trim()) await run(['mcopy', '-s', '-p', '-n', '-i', device, '::/*', dir], { env: MTOOLS_ENV });
    held.stagedFat(device, dir);
  };

  const doAction = async (stepId: StepId, a: Action, onFraction: (f: number) => void) => {
    switch (a.kind) {
      case 'attach-image': {
        const image = res(a.image);
        disk = await held.attachLoop(image, async () => (await run(['losetup', '--find', '--show', '--partscan', image])).stdout.trim());
        parts = partitionDevices(plan.partitions, disk);
        log(`attached ${a.image} as ${disk}`);
        return;
      }
      case 'settle-partitions':
        return settle();
      case 'run': {
        const argv = a.argv.map(res);
        if (a.chroot) await linkUuids();
        const full = a.chroot ? ['chroot', plan.targetRoot, ...argv] : argv;
        let stdin = a.stdin !== undefined ? res(a.stdin) : undefined;
        if (a.stdinSecret) stdin = (stdin ?? '') + fillSecretTemplate(a.stdinSecret.template, secretFor(a.stdinSecret.ref));
        try {
          await run(full, {
            ...(stdin !== undefined ? { stdin } : {}),
            ...(a.env ? { env: a.env } : {}),
            ...(a.okExitCodes ? { okExitCodes: a.okExitCodes } : {}),
          });
        } catch (e) {
          if (a.failCode && e instanceof CommandError && !e.aborted) throw new FailedCheckError(a.failCode, argv[argv.length - 1] ?? '', e);
          throw e;
        }
        return;
      }
      case 'mount': {
        const target = res(a.target);
        mkdirSync(target, { recursive: true });
        const argv = ['mount'];
        if (a.bind) argv.push('--bind');
        if (a.fstype) argv.push('-t', a.fstype);
        if (a.options?.length) argv.push('-o', a.options.join(','));
        const source = res(a.source);
        argv.push(source, target);
        try {
          await held.mount(source, target, () => run(argv));
        } catch (e) {
          const noVfat = a.fstype === 'vfat' && e instanceof CommandError && /unknown filesystem type/.test(e.stderrTail);
          if (!noVfat) throw e;
          await stageFat(source, target);
        }
        return;
      }
      case 'write-file': {
        const path = confinedWritePath(plan.targetRoot, res(a.path), a.append ? 'append' : 'write');
        const content = res(a.content);
        if (a.append) appendFileSync(path, content);
        else writeFileSync(path, content);
        if (a.mode !== undefined) chmodSync(path, a.mode);
        log(`${a.append ? 'appended to' : 'wrote'} ${path}`);
        return;
      }
      case 'copy': {
        const source = res(a.source);
        const target = res(a.target);
        const copier = opts.copier ?? chooseCopier(a.method, source, log);
        log(`copy: ${source} -> ${target} (${a.totalBytes} bytes, ${a.totalFiles} files)`);
        await copier.copy({
          source,
          target,
          totalBytes: a.totalBytes,
          totalFiles: a.totalFiles,
          runner,
          signal,
          onLog: (l) => log(l, 'debug'),
          onWarn: (l) => log(l, 'warn'),
          onProgress: (p) => {
            onFraction(p.percent / 100);
            emit({ type: 'progress', step: stepId, bytes: p.bytes, total: p.total, rate: p.rate, eta: p.eta, percent: overall.percent });
          },
        });
        return;
      }
      case 'release': {
        await held.release({ keepDisk: a.keepDisk === true });
        if (held.fatWriteFailed) throw new Error('Writing the EFI system partition back with mtools failed');
        return;
      }
      case 'verify-target':
        await opts.verifyTargets?.();
        log('the target is still the disk the plan was made for');
        return;
      case 'save-log': {
        // Inside the target as its system sees it (a /var/log link to a host path stays inside); this run's lines only.
        const path = confinedWritePath(plan.targetRoot, res(a.path), 'append');
        log(`log saved to ${path}`);
        appendLogPart(logOut, path);
        return;
      }
    }
  };

  // An install's plan opens its log (QA and the tests read it there); a repair's caller prints its own.
  if (isInstallPlan(plan)) emit({ type: 'plan', plan });
  let current: StepId | undefined;
  try {
    for (const [index, step] of plan.steps.entries()) {
      checkCancel();
      current = step.id;
      const label = step.label;
      emit({ type: 'step', step: step.id, label, index, count: plan.steps.length, state: 'start' });
      for (const a of step.actions) {
        checkCancel();
        await doAction(step.id, a, (f) => overall.setStep(index, f)).catch((e: unknown) => {
          throw asTargetWriteError(e) ?? e;
        });
        checkCancel();
      }
      overall.setStep(index, 1);
      emit({ type: 'step', step: step.id, label, index, count: plan.steps.length, state: 'done' });
      emit({ type: 'progress', step: step.id, bytes: 0, total: 0, rate: 0, eta: null, percent: overall.percent });
    }
    current = undefined;
    if (sinkError) throw sinkError;
    held.close();
    emit({ type: 'done', ok: true, logPath: opts.logFile });
    closeSync(logOut.fd);
    return { ok: true, cancelled: false };
  } catch (thrown) {
    // A failing sink is the cause even when what surfaced is the command it stopped.
    const e = sinkError ?? thrown;
    const cancelled = !sinkError && (e instanceof Cancelled || (e instanceof CommandError && e.aborted) || !!opts.signal?.aborted);
    const step = plan.steps.find((s) => s.id === current);
    if (step) {
      emit({ type: 'step', step: step.id, label: step.label, index: plan.steps.indexOf(step), count: plan.steps.length, state: 'failed' });
    }
    if (cancelled) {
      emit({ type: 'cancelled' });
    } else {
      const err: InstallEvent = { type: 'error', step: current ?? null, message: clean((e as Error).message) };
      if (e instanceof CodedError) {
        err.code = e.code;
        err.params = Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, typeof v === 'string' ? clean(v) : v]));
      }
      const command = e instanceof CommandError ? e : e instanceof TargetWriteError || e instanceof FailedCheckError ? e.command : undefined;
      if (command) {
        err.command = command.argv.map(clean);
        err.stderrTail = clean(command.stderrTail);
      }
      emit(err);
    }
    await held.release();
    held.close();
    emit({ type: 'done', ok: false, logPath: opts.logFile });
    closeSync(logOut.fd);
    return { ok: false, cancelled, ...(current ? { failedStep: current } : {}) };
  }
}

/**
 * The copier for a copy action: the layer unpacker when the plan found the sysroot's squashfs stack and the
 * mount table still shows the same stack now; rsync otherwise. The log says which, and why.
 */
function chooseCopier(method: CopyMethod | undefined, source: string, log: (m: string, level?: 'info' | 'warn') => void): Copier {
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

/** A check the plan runs (a read-only fsck) found what it looks for: said by its meaning, with its output. */
class FailedCheckError extends CodedError {
  constructor(
    code: string,
    device: string,
    readonly command: CommandError,
  ) {
    super(code, { device, program: command.argv[0] ?? '', exitCode: command.exitCode }, `${command.argv[0]} found errors on ${device} (exit code ${command.exitCode})`);
    this.name = 'FailedCheckError';
  }
}

function isInstallPlan(p: ExecutablePlan): p is Plan {
  return 'variant' in p;
}

function quoteForLog(a: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
