// Runs a Plan step by step. Everything it mounts or attaches is tracked on a stack and released in reverse
// at the plan's `release` action, and also on any failure or cancel, so a rerun works without a reboot.
// The stack is registered with the engine's holders, so a last-resort handler can release it too; an
// exception in an event handler or a command's line handler fails the install like any other error.
import { CodedError } from './coded-error.ts';
import { appendFileSync, closeSync, existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Action, CopyMethod, ExecutablePlan, Plan, SecretRef, StepId } from '../../shared/plan.ts';
import type { InstallEvent } from '../../shared/events.ts';
import { CommandError, type CommandRunner } from './runner.ts';
import { RsyncCopier, type Copier } from './copier.ts';
import { LayerCopier } from './layer-copier.ts';
import { detectCopyMethod } from './layer-stack.ts';
import { partitionDevices, resolvePlaceholders } from './placeholders.ts';
import { fillSecretTemplate, redact, redactEvent } from './redact.ts';
import { OverallProgress } from './overall-progress.ts';
import { confinedWritePath } from './target-path.ts';
import { appendLogPart, openLog } from './output-file.ts';
import { registerHolder } from './held.ts';

export interface Secrets {
  password?: string;
  passwordHash?: string;
  rootPassword?: string;
  rootPasswordHash?: string;
}

const SECRET_OF: Record<SecretRef, keyof Secrets> = {
  'user.password': 'password',
  'user.password-hash': 'passwordHash',
  'root.password': 'rootPassword',
  'root.password-hash': 'rootPasswordHash',
};

/** Every secret the answers gave (the log and events must never show any). */
export function secretValues(s: Secrets): string[] {
  return [s.password, s.passwordHash, s.rootPassword, s.rootPasswordHash].filter((x): x is string => !!x);
}

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
}

export interface ExecuteResult {
  ok: boolean;
  cancelled: boolean;
  failedStep?: StepId;
}

type Held =
  | { kind: 'mount'; target: string }
  | { kind: 'loop'; device: string }
  | { kind: 'link'; path: string }
  /** A FAT filesystem staged in `dir` (the kernel cannot mount vfat): written back with mtools at release. */
  | { kind: 'fat'; device: string; dir: string };

/** mtools refuses partitions whose geometry it finds odd; FAT made by mkfs.vfat is fine. */
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };

const BY_UUID = '/dev/disk/by-uuid';

class Cancelled extends Error {}

export async function execute(plan: ExecutablePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const secrets = secretValues(opts.secrets);
  const clean = (s: string) => redact(s, secrets);
  const held: Held[] = [];
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

  const run = async (argv: string[], extra: { stdin?: string; env?: Record<string, string>; okExitCodes?: number[]; abortable?: boolean } = {}) => {
    log(`$ ${argv.map(quoteForLog).join(' ')}`);
    return opts.runner.run(argv, {
      ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
      ...(extra.env ? { env: extra.env } : {}),
      ...(extra.okExitCodes ? { okExitCodes: extra.okExitCodes } : {}),
      ...(extra.abortable !== false ? { signal } : {}),
      onLine: (line) => log(line, 'debug'),
    });
  };

  const secretFor = (ref: SecretRef): string => {
    const v = opts.secrets[SECRET_OF[ref]];
    if (v === undefined) throw new Error(`The plan needs ${ref} but none was given`);
    return v;
  };

  let fatWriteFailed = false;
  /** Unmounts and detaches everything held, newest first; never aborted, never throws. */
  const release = async () => {
    while (held.length > 0) {
      const h = held.pop()!;
      try {
        if (h.kind === 'mount') {
          // A busy target usually frees itself within moments (a process still closing files): retry first.
          let done = false;
          for (let attempt = 0; attempt < 3 && !done; attempt++) {
            if (attempt > 0) await sleep(300);
            done = await run(['umount', h.target], { abortable: false }).then(
              () => true,
              () => false,
            );
          }
          if (!done) {
            log(`umount ${h.target} failed: lazy unmount`, 'warn');
            await run(['umount', '-l', h.target], { abortable: false });
          }
        } else if (h.kind === 'fat') {
          const names = readdirSync(h.dir);
          if (names.length) {
            await run(['mcopy', '-s', '-o', '-i', h.device, ...names.map((n) => join(h.dir, n)), '::/'], { abortable: false, env: MTOOLS_ENV }).catch((e: unknown) => {
              fatWriteFailed = true;
              throw e;
            });
          }
        } else if (h.kind === 'link') {
          unlinkSync(h.path);
          log(`removed ${h.path}`);
          for (const d of [BY_UUID, '/dev/disk']) {
            try {
              rmdirSync(d); // only when empty: another install or udev may use it
            } catch {
              break;
            }
          }
        } else {
          await run(['losetup', '-d', h.device], { abortable: false });
        }
      } catch (e) {
        log(`release failed: ${(e as Error).message}`, 'warn');
      }
    }
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
  const linkUuids = () => {
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
      symlinkSync(device, path);
      held.push({ kind: 'link', path });
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
    await run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', device, dir]);
    held.push({ kind: 'mount', target: dir });
    const listing = await run(['mdir', '-b', '-i', device, '::/'], { env: MTOOLS_ENV, okExitCodes: [0, 1] });
    if (listing.stdout.trim()) await run(['mcopy', '-s', '-p', '-n', '-i', device, '::/*', dir], { env: MTOOLS_ENV });
    held.push({ kind: 'fat', device, dir });
  };

  const doAction = async (stepId: StepId, a: Action, onFraction: (f: number) => void) => {
    switch (a.kind) {
      case 'attach-image': {
        const r = await run(['losetup', '--find', '--show', '--partscan', res(a.image)]);
        disk = r.stdout.trim();
        held.push({ kind: 'loop', device: disk });
        parts = partitionDevices(plan.partitions, disk);
        log(`attached ${a.image} as ${disk}`);
        return;
      }
      case 'settle-partitions':
        return settle();
      case 'run': {
        const argv = a.argv.map(res);
        if (a.chroot) linkUuids();
        const full = a.chroot ? ['chroot', plan.targetRoot, ...argv] : argv;
        let stdin = a.stdin !== undefined ? res(a.stdin) : undefined;
        if (a.stdinSecret) stdin = (stdin ?? '') + fillSecretTemplate(a.stdinSecret.template, secretFor(a.stdinSecret.ref));
        await run(full, {
          ...(stdin !== undefined ? { stdin } : {}),
          ...(a.env ? { env: a.env } : {}),
          ...(a.okExitCodes ? { okExitCodes: a.okExitCodes } : {}),
        });
        return;
      }
      case 'mount': {
        const target = res(a.target);
        mkdirSync(target, { recursive: true });
        const argv = ['mount'];
        if (a.bind) argv.push('--bind');
        if (a.fstype) argv.push('-t', a.fstype);
        if (a.options?.length) argv.push('-o', a.options.join(','));
        argv.push(res(a.source), target);
        try {
          await run(argv);
        } catch (e) {
          const noVfat = a.fstype === 'vfat' && e instanceof CommandError && /unknown filesystem type/.test(e.stderrTail);
          if (!noVfat) throw e;
          await stageFat(res(a.source), target);
          return;
        }
        held.push({ kind: 'mount', target });
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
          runner: opts.runner,
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
        await release();
        if (fatWriteFailed) throw new Error('Writing the EFI system partition back with mtools failed');
        return;
      }
      case 'save-log': {
        // Inside the target as its system sees it (a /var/log link to a host path stays inside); this run's lines only.
        const path = confinedWritePath(plan.targetRoot, res(a.path), 'append');
        log(`log saved to ${path}`);
        appendLogPart(logOut, path);
        return;
      }
    }
  };

  const unregister = registerHolder({ name: `install to ${plan.erase?.path ?? plan.targetRoot}`, releaseAll: () => release() });
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
        await doAction(step.id, a, (f) => overall.setStep(index, f));
        checkCancel();
      }
      overall.setStep(index, 1);
      emit({ type: 'step', step: step.id, label, index, count: plan.steps.length, state: 'done' });
      emit({ type: 'progress', step: step.id, bytes: 0, total: 0, rate: 0, eta: null, percent: overall.percent });
    }
    current = undefined;
    if (sinkError) throw sinkError;
    unregister();
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
      if (e instanceof CommandError) {
        err.command = e.argv.map(clean);
        err.stderrTail = clean(e.stderrTail);
      }
      emit(err);
    }
    await release();
    unregister();
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

function isInstallPlan(p: ExecutablePlan): p is Plan {
  return 'variant' in p;
}

function quoteForLog(a: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
