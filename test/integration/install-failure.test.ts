// Failures mid-copy and cancellation, for real: the copier killed partway (in-process, through execute()),
// a target that fills up (the CLI), SIGTERM to a running `livekit install`. Each must release every mount
// and loop device, and the same install must then succeed without a reboot.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { makeImage } from '../helpers/image.ts';
import { jsonEvents, runCli, spawnCli } from '../helpers/cli.ts';
import { loopsBacking, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import { ExecaRunner, type CommandRunner } from '../../electron/engine/run/runner.ts';
import { parseProgress2Line } from '../../electron/engine/run/rsync-progress.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const COMPOSE = new URL('../../scripts/compose-sysroots.sh', import.meta.url).pathname;
const MiB = 1024 ** 2;

function answersYaml(disk: string, variant: string, layout = 'mbr-bios'): string {
  return `version: 1\nvariant: ${variant}\ntarget:\n  disk: ${disk}\n  layout: ${layout}\n  swap: none\nhostname: fail-test\nuser:\n  name: bob\n  password: "pw 123"\nbootloader: none\n`;
}

/**
 * Runs commands for real, but kills the copy program with SIGKILL partway: rsync once it has reported
 * progress; unsquashfs (the layer copier) as the second layer's unpacking starts, the first one written
 * (deterministic: a small layer can be unpacked before its first output line). A wrapper shell prints its
 * pid, then execs the program (same pid).
 */
class KillCopyRunner implements CommandRunner {
  killed: string | undefined;
  private unsquashfsRuns = 0;
  private real = new ExecaRunner();
  run(argv: string[], opts: Parameters<CommandRunner['run']>[1] = {}) {
    const program = argv.includes('unsquashfs') ? 'unsquashfs' : argv[0]; // unsquashfs runs behind stdbuf
    if (program !== 'rsync' && program !== 'unsquashfs') return this.real.run(argv, opts);
    if (program === 'unsquashfs') this.unsquashfsRuns++;
    const victim = program === 'unsquashfs' ? this.unsquashfsRuns === 2 : true;
    let pid = 0;
    return this.real.run(['sh', '-c', 'echo "lk-pid $$" >&2; exec "$@"', 'sh', ...argv], {
      ...opts,
      onLine: (line, stream) => {
        const m = /^lk-pid (\d+)$/.exec(line);
        if (m) pid = Number(m[1]);
        const due = program === 'unsquashfs' ? pid > 0 : stream === 'stdout' && (parseProgress2Line(line)?.bytes ?? 0) > 0;
        if (victim && due && !this.killed) {
          this.killed = program;
          process.kill(pid, 'SIGKILL');
        }
        if (!m) opts.onLine?.(line, stream);
      },
    });
  }
}

describe.skipIf(!isRoot)('failure mid-copy and cancel clean up, and a rerun succeeds (needs root: loop devices, mounts)', () => {
  let fx: Composed;
  let dir: string;
  let cmdline: string;
  let fat: { medium: string; sysroots: string };
  /** The same fat tree packed as a squashfs layer and mounted as the loader does: the layer copier's case. */
  let fatLayered: { medium: string; run: string; sysroots: string };

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-fail-');
    cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, 'root=livekit:CDLABEL=X LANG=en_US.UTF-8\n');
    // A sysroot whose sysroots.json understates its size (20 MB against ~270 MB): it passes the size
    // check, then fills a small target. A plain directory: the engine reads sysroot directories as they are.
    fat = { medium: join(dir, 'fat-medium'), sysroots: join(dir, 'fat-sysroots') };
    mkdirSync(join(fat.medium, 'livekit'), { recursive: true });
    mkdirSync(join(fat.sysroots, 'fat'), { recursive: true });
    writeFileSync(join(fat.medium, 'livekit/livekit.conf'), 'LAYERS=("base")\nSYSROOT_LAYERS=("fat")\nSYSROOT_DEP_fat=("base")\nFSTYPE=squashfs\n');
    writeFileSync(join(fat.medium, 'livekit/sysroots.json'), JSON.stringify({ fat: { size: 20 * MiB, inodes: 400, installable: true } }));
    await execa('rsync', ['-aHAXS', `${join(fx.sysroots, 'base')}/`, `${join(fat.sysroots, 'fat')}/`]);
    await execa('sh', ['-c', `yes livekit | head -c ${200 * MiB} > ${join(fat.sysroots, 'fat/usr/share/filler')}`]);
    fatLayered = { medium: join(dir, 'fatl-medium'), run: join(dir, 'fatl-run'), sysroots: join(dir, 'fatl-run', 'sysroots') };
    mkdirSync(join(fatLayered.medium, 'livekit'), { recursive: true });
    await execa('mksquashfs', [join(fat.sysroots, 'fat'), join(fatLayered.medium, 'livekit/base.squashfs'), '-noappend', '-quiet', '-no-progress']);
    writeFileSync(join(fatLayered.medium, 'livekit/livekit.conf'), 'LAYERS=("base")\nSYSROOT_LAYERS=("fatl")\nSYSROOT_DEP_fatl=("base")\nFSTYPE=squashfs\n');
    writeFileSync(join(fatLayered.medium, 'livekit/sysroots.json'), JSON.stringify({ fatl: { size: 20 * MiB, inodes: 400, installable: true } }));
    await execa('bash', [COMPOSE, 'mount', fatLayered.medium, fatLayered.run]);
  });
  afterAll(async () => {
    if (fatLayered) await execa('bash', [COMPOSE, 'umount', fatLayered.run], { reject: false });
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the copier killed partway (in-process execute): error names the copy step, all released; a rerun succeeds', async () => {
    const image = join(dir, 'kill.img');
    await makeImage(image, 512 * MiB);
    const raw = (await import('yaml')).parse(answersYaml(image, 'desktop', 'gpt-bios'));
    const opts = { mediumDir: fx.medium, sysrootsDir: fx.sysroots, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, 'kill.log') };

    const first = await prepareInstall(raw, opts);
    if (!first.ok) throw new Error(JSON.stringify(first));
    const events: InstallEvent[] = [];
    // The fixture's desktop is an overlay of squashfs layers: the plan unpacks them.
    expect(first.plan.steps.find((s) => s.id === 'copy')?.actions[0]).toMatchObject({ method: { kind: 'layers' } });
    const runner = new KillCopyRunner();
    const r1 = await runInstall(first, { runner, onEvent: (e) => events.push(e) });
    expect(runner.killed).toBe('unsquashfs');
    expect(r1).toMatchObject({ ok: false, cancelled: false, failedStep: 'copy', exitCode: 1 });
    const err = events.find((e) => e.type === 'error');
    expect(err).toMatchObject({ type: 'error', step: 'copy' });
    expect((err as { command: string[] }).command).toContain('unsquashfs');
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([first.plan.targetRoot])).toEqual([]);

    const second = await prepareInstall(raw, opts);
    if (!second.ok) throw new Error(JSON.stringify(second));
    const r2 = await runInstall(second, { onEvent: () => {} });
    expect(r2).toMatchObject({ ok: true, exitCode: 0 });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([second.plan.targetRoot])).toEqual([]);
  });

  it('a target that fills up: exit 1 with the command and its stderr, all released; a rerun that fits succeeds', async () => {
    const image = join(dir, 'full.img');
    await makeImage(image, 160 * MiB);
    const file = join(dir, 'fat.yaml');
    writeFileSync(file, answersYaml(image, 'fat'));
    const r = await runCli(['install', '--yes', '--config', file, '--medium', fat.medium, '--sysroots', fat.sysroots, '--cmdline-file', cmdline, '--log', join(dir, 'full.log')]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/copy/);
    expect(r.stderr).toMatch(/rsync/);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(join(dir, 'full.log'))])).toEqual([]);

    const ok = join(dir, 'fits.yaml');
    writeFileSync(ok, answersYaml(image, 'desktop'));
    const again = await runCli(['install', '--yes', '--config', ok, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', cmdline, '--log', join(dir, 'fits.log')]);
    expect(again.code, again.stderr).toBe(0);
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(join(dir, 'fits.log'))])).toEqual([]);
  });

  it('SIGTERM during the copy: exit 130, a cancelled event, nothing left mounted or attached', async () => {
    const image = join(dir, 'term.img');
    await makeImage(image, 1024 * MiB);
    // Honest size this time, so the copy is long enough to be interrupted.
    writeFileSync(join(fat.medium, 'livekit/sysroots.json'), JSON.stringify({ fat: { size: 280 * MiB, inodes: 400, installable: true } }));
    const file = join(dir, 'term.yaml');
    writeFileSync(file, answersYaml(image, 'fat'));
    const child = spawnCli(['install', '--yes', '--json', '--config', file, '--medium', fat.medium, '--sysroots', fat.sysroots, '--cmdline-file', cmdline, '--log', join(dir, 'term.log')]);
    let sent = false;
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (!sent && /"type":"progress","step":"copy"/.test(buf)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    const r = await child;
    expect(sent).toBe(true);
    expect(r.exitCode).toBe(130);
    const events = jsonEvents(String(r.stdout));
    expect(events.some((e) => e.type === 'cancelled')).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(join(dir, 'term.log'))])).toEqual([]);
  });
  it('a layered sysroot that fills the target: exit 1 naming unsquashfs and the full disk, all released; a rerun that fits succeeds', async () => {
    const image = join(dir, 'full-layered.img');
    await makeImage(image, 160 * MiB);
    const file = join(dir, 'fatl.yaml');
    writeFileSync(file, answersYaml(image, 'fatl'));
    const log = join(dir, 'full-layered.log');
    const r = await runCli(['install', '--yes', '--config', file, '--medium', fatLayered.medium, '--sysroots', fatLayered.sysroots, '--cmdline-file', cmdline, '--log', log]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/copy/);
    expect(r.stderr).toMatch(/unsquashfs/);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(readFileSync(log, 'utf8')).toMatch(/copy: copier unsquashfs, 1 squashfs layer/);
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(log)])).toEqual([]);

    const ok = join(dir, 'fits-layered.yaml');
    writeFileSync(ok, answersYaml(image, 'desktop'));
    const again = await runCli(['install', '--yes', '--config', ok, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', cmdline, '--log', join(dir, 'fits-layered.log')]);
    expect(again.code, again.stderr).toBe(0);
    expect(await loopsBacking([image])).toEqual([]);
  });

  it('SIGTERM during the layered copy: exit 130, a cancelled event, nothing left mounted or attached', async () => {
    const image = join(dir, 'term-layered.img');
    await makeImage(image, 1024 * MiB);
    const file = join(dir, 'term-layered.yaml');
    writeFileSync(file, answersYaml(image, 'fatl'));
    const log = join(dir, 'term-layered.log');
    const child = spawnCli(['install', '--yes', '--json', '--config', file, '--medium', fatLayered.medium, '--sysroots', fatLayered.sysroots, '--cmdline-file', cmdline, '--log', log]);
    let sent = false;
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (!sent && /"type":"progress","step":"copy"/.test(buf)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    const r = await child;
    expect(sent).toBe(true);
    expect(r.exitCode).toBe(130);
    const events = jsonEvents(String(r.stdout));
    expect(events.some((e) => e.type === 'log' && /copier unsquashfs/.test(String(e.message)))).toBe(true);
    expect(events.some((e) => e.type === 'cancelled')).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(log)])).toEqual([]);
  });
});
