// `livekit systems | mount | shell | unmount | repair`: maintenance of installed systems from the Live
// session. Each repair is a Plan shown (and confirmed) before the executor runs it, with the install's exit
// codes: 0 done · 1 failed (everything released) · 2 invalid input · 3 refused by a safety rule · 130 cancelled.
// A locked (LUKS) system is named like any other: its passphrase is asked (or is stdin's first line), the
// system inside is found by a read-only look, and each plan opens the container first and closes it with
// the rest (`mount` leaves it open with the system, until `unmount`).
import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TFunction } from 'i18next';
import { execa } from 'execa';
import { EXIT } from '../engine/app/install.ts';
import { findSystems, NoSystemInsideError, repairContext, unlockSystem, type Found } from '../engine/app/systems.ts';
import { findLocked, findSystem } from '../engine/rescue/classify.ts';
import { LuksOpenError, WrongPassphraseError, withOpened } from '../engine/rescue/unlock.ts';
import type { Secrets } from '../shared/secrets.ts';
import { planMount, type RepairPlan } from '../engine/rescue/plan.ts';
import { mountPrivately } from '../engine/rescue/prober.ts';
import { bindResolvConf, isMountedAt, killProcessesIn, releaseSystem, runShell, shellCommand, systemDir } from '../engine/rescue/session.ts';
import type { InstalledSystem, LockedVolume } from '../engine/rescue/types.ts';
import { readOsRelease } from '../engine/medium/os-release.ts';
import { execute } from '../engine/run/executor.ts';
import { planRepair } from '../engine/app/repair.ts';
import { registerHolder } from '../engine/run/held.ts';
import { runRepairPlan } from '../engine/rescue/run-repair.ts';
import { TargetBusyError } from '../engine/run/target-lock.ts';
import { errorText } from '../engine/run/coded-error.ts';
import { settleLeftovers } from './leftovers.ts';
import { ExecaRunner } from '../engine/run/runner.ts';
import { checkOutput } from '../engine/run/output-file.ts';
import { isLiveKitLog } from '../engine/run/output-rules.ts';
import type { InstallEvent } from '../shared/events.ts';
import { checkPassword } from '../shared/account-rules.ts';
import type { Finding } from '../shared/problem.ts';
import type { CliArgs } from './args.ts';
import { askYes } from './ask-yes.ts';
import { readSecret, readUnlockPassphrase, SecretCancelled } from './read-secret.ts';
import { EventPrinter, refusalLines } from './render.ts';
import { fsckReportLines, repairPlanLines, repairProblemLine, systemsJson, systemsLines } from './render-rescue.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
const jsonLine = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Where a repair's log goes inside the repaired system. */
export const REPAIR_LOG_PATH = '/var/log/livekit-repair.log';

function find(a: CliArgs, cmdline: string): Promise<Found> {
  return findSystems({ cmdline, ...(a.medium ? { mediumDir: a.medium } : {}) });
}

export async function cmdSystems(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const found = await find(a, cmdline);
  if (a.json) jsonLine(systemsJson(found, found.machine.firmware));
  else systemsLines(t, found).forEach(out);
  return EXIT.ok;
}

/** The system (or locked volume) a command names, or the exit code after saying why not (2: unknown, 3: refused). */
function pick(t: TFunction, found: Found, ref: string): InstalledSystem | LockedVolume | number {
  const sys = findSystem(found, ref) ?? findLocked(found, ref);
  if (!sys) {
    err(t('cli:repair.noSystem', { system: ref, systems: [...found.systems, ...found.locked].map((s) => s.id).join(', ') || '-' }));
    return EXIT.invalid;
  }
  if (sys.refusals.length) {
    refusalLines(t, [{ disk: sys.disk, refusals: sys.refusals }]).forEach(err);
    return EXIT.refused;
  }
  return sys;
}

/** What a command works on: a system, and for an encrypted one the passphrase its plans open it with. */
interface Target {
  sys: InstalledSystem;
  passphrase?: string;
}

/**
 * The system a command names, a locked one unlocked: its passphrase asked once on a terminal, else stdin's
 * first line (what follows stays for the command); the container opened read-only to find the system inside,
 * and closed again. A wrong passphrase: exit 2, nothing left open. SIGINT/SIGTERM meanwhile: 130, once closed.
 */
async function target(t: TFunction, found: Found, ref: string): Promise<Target | number> {
  const picked = pick(t, found, ref);
  if (typeof picked === 'number') return picked;
  if ('root' in picked) return { sys: picked };
  let passphrase: string | undefined;
  try {
    passphrase = await readUnlockPassphrase(t('cli:unlock.ask', { device: picked.device }));
  } catch (e) {
    if (e instanceof SecretCancelled) return EXIT.cancelled;
    throw e;
  }
  if (!passphrase) {
    err(t('cli:unlock.none', { device: picked.device }));
    return EXIT.invalid;
  }
  const ac = new AbortController();
  try {
    const sys = await withSignals(ac, () => unlockSystem(found, picked, passphrase));
    if (ac.signal.aborted) return EXIT.cancelled;
    err(t('cli:unlock.found', { device: picked.device, name: sys.name, mapping: sys.luks!.name }));
    return { sys, passphrase };
  } catch (e) {
    if (ac.signal.aborted) return EXIT.cancelled;
    if (e instanceof WrongPassphraseError) err(t('cli:unlock.wrong', { device: picked.device }));
    else if (e instanceof NoSystemInsideError) err(t('cli:unlock.noSystem', { device: picked.device, detail: e.params.detail || '-' }));
    else if (e instanceof LuksOpenError) err(t('cli:unlock.cannotOpen', { device: picked.device, reason: e.params.reason }));
    else throw e;
    return e instanceof LuksOpenError ? EXIT.failed : EXIT.invalid;
  }
}

/** The secrets a plan for `tg` needs: an encrypted system's passphrase (and a new password, when given). */
function secretsFor(tg: Target, password?: string): Secrets {
  return { ...(tg.passphrase !== undefined ? { 'encryption.passphrase': tg.passphrase } : {}), ...(password !== undefined ? { 'user.password': password } : {}) };
}

function defaultRepairLog(kind: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = process.getuid?.() === 0 ? '/var/log/livekit' : join(tmpdir(), 'livekit');
  return join(dir, `repair-${kind}-${stamp}.log`);
}

/** SIGINT/SIGTERM abort `ac` while `fn` runs (the executor then releases everything). */
async function withSignals<T>(ac: AbortController, fn: () => Promise<T>): Promise<T> {
  const onSignal = () => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

function needRoot(t: TFunction): number | undefined {
  if (process.getuid?.() === 0) return undefined;
  err(t('cli:error.notRootRepair'));
  return EXIT.failed;
}

/** Mounts `sys` at its directory (fstab, binds, resolv.conf); false when cancelled or failed (all released, a container closed). */
async function mountSystem(t: TFunction, found: Found, tg: Target, signal: AbortSignal): Promise<{ ok: boolean; cancelled: boolean; dir: string }> {
  const sys = tg.sys;
  const dir = systemDir(sys.id);
  const plan = planMount(sys, repairContext(found, dir));
  for (const s of plan.skipped) err(t(`cli:repair.skipped.${s.reason}`, { mountpoint: s.mountpoint }));
  const printer = new EventPrinter(t, false);
  const runner = new ExecaRunner();
  const r = await execute(plan, {
    runner,
    secrets: secretsFor(tg),
    signal,
    logFile: defaultRepairLog('mount'),
    onEvent: (e) => {
      if (e.type === 'error' || e.type === 'cancelled') err(printer.print(e));
    },
  });
  if (!r.ok) {
    try {
      rmdirSync(dir);
    } catch {
      /* gone */
    }
    return { ok: false, cancelled: r.cancelled, dir };
  }
  await bindResolvConf(dir, runner).catch((e: unknown) => err(t('cli:install.warn', { message: (e as Error).message })));
  return { ok: true, cancelled: false, dir };
}

export async function cmdMount(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const notRoot = needRoot(t);
  if (notRoot !== undefined) return notRoot;
  if (isMountedAt(systemDir(a.system!.replace(/^\/dev\//, '')))) {
    out(t('cli:mount.already', { dir: systemDir(a.system!.replace(/^\/dev\//, '')) }));
    return EXIT.ok;
  }
  const stop = await settleLeftovers(t, false, { out, err });
  if (stop !== undefined) return stop;
  const found = await find(a, cmdline);
  const tg = await target(t, found, a.system!);
  if (typeof tg === 'number') return tg;
  const ac = new AbortController();
  const r = await withSignals(ac, () => mountSystem(t, found, tg, ac.signal));
  if (!r.ok) return r.cancelled ? EXIT.cancelled : EXIT.failed;
  out(t(tg.sys.luks ? 'cli:mount.doneOpen' : 'cli:mount.done', { name: tg.sys.name, dir: r.dir, system: tg.sys.id, mapping: tg.sys.luks?.name ?? '' }));
  return EXIT.ok;
}

export async function cmdUnmount(a: CliArgs, t: TFunction): Promise<number> {
  const notRoot = needRoot(t);
  if (notRoot !== undefined) return notRoot;
  const dir = systemDir(a.system!.replace(/^\/dev\//, ''));
  if (!isMountedAt(dir)) {
    out(t('cli:unmount.notMounted', { dir }));
    return EXIT.ok;
  }
  const r = await releaseSystem(dir, new ExecaRunner(), (m) => err(m));
  if (r.busy) {
    err(t('cli:unmount.busy', { dir }));
    return EXIT.failed;
  }
  out(t('cli:unmount.done', { dir }));
  if (r.closed) out(t('cli:unmount.closed', { mapping: r.closed }));
  return EXIT.ok;
}

export async function cmdShell(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const notRoot = needRoot(t);
  if (notRoot !== undefined) return notRoot;
  const ac = new AbortController();
  let dir = systemDir(a.system!.replace(/^\/dev\//, ''));
  let sys: InstalledSystem;
  let own = false;
  if (isMountedAt(dir)) {
    // Mounted by `livekit mount`: its partitions are in use now, so it is described from the mounted root.
    const os = await readOsRelease(dir);
    sys = { id: a.system!.replace(/^\/dev\//, ''), name: os.PRETTY_NAME ?? os.NAME ?? 'Linux' } as InstalledSystem;
  } else {
    const stop = await settleLeftovers(t, false, { out, err });
    if (stop !== undefined) return stop;
    const found = await find(a, cmdline);
    const tg = await target(t, found, a.system!);
    if (typeof tg === 'number') return tg;
    sys = tg.sys;
    const r = await withSignals(ac, () => mountSystem(t, found, tg, ac.signal));
    if (!r.ok) return r.cancelled ? EXIT.cancelled : EXIT.failed;
    dir = r.dir;
    own = true;
  }
  const runner = new ExecaRunner();
  const forget = own
    ? registerHolder({
        name: `shell in ${sys.id}`,
        releaseAll: async () => {
          killProcessesIn(dir);
          await releaseSystem(dir, runner);
        },
      })
    : () => {};
  // Ctrl-C belongs to the shell (it reaches it from the terminal); a TERM or HUP (the window closed) ends it.
  const ignoreInt = () => {};
  const onEnd = () => ac.abort();
  process.on('SIGINT', ignoreInt);
  process.on('SIGTERM', onEnd);
  process.on('SIGHUP', onEnd);
  try {
    if (own) err(t('cli:shell.enter', { name: sys.name, dir }));
    const cmd = shellCommand(sys, dir, process.env.TERM);
    return await runShell(cmd.argv, ac.signal);
  } finally {
    process.off('SIGINT', ignoreInt);
    process.off('SIGTERM', onEnd);
    process.off('SIGHUP', onEnd);
    if (own) {
      // What the shell started inside the system goes with it, so the system can be released.
      killProcessesIn(dir);
      await sleep(100);
      await releaseSystem(dir, runner);
      err(t('cli:shell.released', { dir }));
    }
    forget();
  }
}

/** More than any password pam_unix takes (511 bytes): stdin is not read past it (`< /dev/zero`). */
/**
 * The password from stdin: asked twice on a terminal (not echoed), else all of stdin (cli/read-secret.ts);
 * with what the install's rule refuses in it. Undefined when the two entries differ.
 */
async function readPassword(t: TFunction): Promise<{ password?: string; refused: Finding[] } | undefined> {
  const r = await readSecret({ ask: t('cli:repair.password.ask'), again: t('cli:repair.password.again') }, checkPassword);
  return r === 'mismatch' ? undefined : { ...(r.value !== undefined ? { password: r.value } : {}), refused: r.refused };
}

/** Bytes and files of `user`'s home, read in a private read-only mount (an encrypted system's through its container, opened read-only meanwhile). */
async function measureHome(tg: Target, user: string): Promise<{ bytes: number; files: number }> {
  const sys = tg.sys;
  if (sys.luks && tg.passphrase !== undefined) return withOpened({ device: sys.luks.device, name: sys.luks.name, passphrase: tg.passphrase }, () => measureHomeOf(sys, user));
  return measureHomeOf(sys, user);
}

async function measureHomeOf(sys: InstalledSystem, user: string): Promise<{ bytes: number; files: number }> {
  const home = sys.mounts.find((m) => m.mountpoint === '/home' && m.device);
  const device = home?.device ?? sys.root.device;
  const fstype = home ? home.fstype : sys.root.fstype;
  const { mountOptions } = await import('../engine/rescue/candidates.ts');
  const m = await mountPrivately(device, mountOptions(fstype), fstype);
  try {
    const sub = home ? (home.options.find((o) => o.startsWith('subvol='))?.slice(7) ?? '') : (sys.root.subvol ?? '');
    const path = join(m.root, sub, home ? '' : 'home', user);
    const du = await execa('du', ['-s', '-x', '-b', path], { reject: false });
    const files = await execa('find', [path, '-xdev'], { reject: false, lines: true });
    return { bytes: Number(String(du.stdout).split(/\s/)[0]) || 0, files: Array.isArray(files.stdout) ? files.stdout.length : 0 };
  } finally {
    await m.close();
  }
}

export async function cmdRepair(a: CliArgs, t: TFunction, cmdline: string): Promise<number> {
  const kind = a.repair!;
  if (kind === 'copy-home') {
    const to = resolve(a.to!);
    if (!existsSync(to) || !statSync(to).isDirectory()) {
      err(t('cli:error.notDirectory', { flag: '--to', path: a.to }));
      return EXIT.invalid;
    }
  }
  const notRoot = needRoot(t);
  if (notRoot !== undefined) return notRoot;
  const stop = await settleLeftovers(t, a.json, { out, err });
  if (stop !== undefined) return stop;
  const found = await find(a, cmdline);
  const tg = await target(t, found, a.system!);
  if (typeof tg === 'number') return tg;
  const sys = tg.sys;
  const targetRoot = mkdtempSync(join(tmpdir(), 'livekit-repair-'));
  try {
    let password: string | undefined;
    const home = kind === 'copy-home' ? await measureHome(tg, a.user!).catch(() => ({ bytes: 0, files: 0 })) : undefined;
    const ask = { kind, ...(a.user ? { user: a.user } : {}), ...(a.to ? { to: resolve(a.to) } : {}), ...(home ? { home } : {}) };
    const { planned, fsck } = await planRepair(found, sys, ask, targetRoot, REPAIR_LOG_PATH, tg.passphrase !== undefined ? { passphrase: tg.passphrase } : {});
    if (fsck) {
      if (a.json) jsonLine({ type: 'fsck-report', results: fsck });
      else fsckReportLines(t, fsck).forEach(out);
      if (fsck.every((r) => r.clean)) return EXIT.ok;
    }
    if (!planned.ok) {
      if (a.json) jsonLine({ type: 'invalid', exitCode: EXIT.invalid, problems: planned.problems });
      else {
        const nothing = planned.problems.length === 1 && planned.problems[0]!.code === 'nothing-to-fix';
        (nothing ? out : err)(t('cli:repair.cannot'));
        planned.problems.forEach((p) => (nothing ? out : err)(repairProblemLine(t, p)));
        if (nothing) return EXIT.ok;
      }
      return planned.problems.every((p) => p.code === 'nothing-to-fix') ? EXIT.ok : EXIT.invalid;
    }
    const plan = planned.plan;
    // Before anything is asked or opened: a --log on the medium, or that is not a LiveKit log, is refused (exit 2).
    if (a.log) checkOutput(a.log, found.machine.liveIds ? { live: found.machine.liveIds } : {}, isLiveKitLog);
    if (a.json) jsonLine({ type: 'repair-plan', plan });
    else repairPlanLines(t, plan).forEach(out);
    if (!a.yes) {
      if (!process.stdin.isTTY) {
        err(t('cli:repair.notTty'));
        return EXIT.invalid;
      }
      const answer = await askYes(t, t('cli:repair.ask'));
      if (answer !== 'yes') {
        err(t('cli:confirm.declined'));
        return answer === 'cancelled' ? EXIT.cancelled : EXIT.invalid;
      }
    }
    if (kind === 'password') {
      const given = await readPassword(t).catch((e: unknown) => {
        if (e instanceof SecretCancelled) return 'cancelled' as const;
        throw e;
      });
      if (given === 'cancelled') {
        err(t('cli:confirm.declined'));
        return EXIT.cancelled;
      }
      if (given === undefined) {
        err(t('cli:repair.password.bad'));
        return EXIT.invalid;
      }
      // The install's own rule (shared/account-rules.ts), before anything is mounted or written.
      if (given.refused.length) {
        for (const f of given.refused) err(t('cli:repair.password.refused', { reason: t(`validation:${f.code}`, f.params) }));
        return EXIT.invalid;
      }
      password = given.password;
    }
    return await runRepair(a, t, plan, secretsFor(tg, password));
  } finally {
    try {
      rmdirSync(targetRoot);
    } catch {
      /* not empty: something is still mounted there, and the log said so */
    }
  }
}

async function runRepair(a: CliArgs, t: TFunction, plan: RepairPlan, secrets: Secrets): Promise<number> {
  const ac = new AbortController();
  const printer = new EventPrinter(t, !!process.stdout.isTTY);
  const logFile = a.log ?? defaultRepairLog(plan.repair);
  const onEvent = a.json
    ? (e: InstallEvent) => jsonLine(e)
    : (e: InstallEvent) => {
        if (e.type === 'done') {
          out(e.ok ? t('cli:repair.done', { log: e.logPath ?? '-' }) : t('cli:install.released', { log: e.logPath ?? '-' }));
          return;
        }
        const s = printer.print(e);
        if (s) (e.type === 'error' ? process.stderr : process.stdout).write(s);
      };
  let r;
  try {
    r = await withSignals(ac, () =>
      runRepairPlan(plan, { runner: new ExecaRunner(), secrets, onEvent, logFile, signal: ac.signal }),
    );
  } catch (e) {
    if (!(e instanceof TargetBusyError)) throw e;
    err(t('cli:install.refused', { message: errorText(t, { message: e.message, code: e.code, params: e.params }) }));
    return EXIT.refused;
  }
  return r.ok ? EXIT.ok : r.cancelled ? EXIT.cancelled : EXIT.failed;
}
