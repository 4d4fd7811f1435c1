// An install killed outright (SIGKILL: the OOM killer, a crash of the process) at each step, then run again:
// the rerun releases what the killed run left (its journal in /run/livekit/held names it) and says so, or
// refuses naming it when something else keeps it busy; the install after it succeeds and leaves a filesystem
// e2fsck calls clean. Two installs onto one image at once: exactly one runs. All with the real CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage } from '../helpers/image.ts';
import { jsonEvents, runCli, spawnCli } from '../helpers/cli.ts';
import { loopsBacking, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';
import { debianAnswers, debianSysroots } from '../helpers/debian-install.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

function answers(disk: string): string {
  return `version: 1\nvariant: desktop\ntarget:\n  disk: ${disk}\n  layout: gpt-bios\n  swap: none\nhostname: killed\nuser:\n  name: bob\n  password: "pw 1234"\nbootloader: none\n`;
}

/** Starts `livekit install --json` and SIGKILLs it at the first event `due` accepts; resolves once it is dead. */
async function killWhen(args: string[], due: (e: InstallEvent) => boolean): Promise<{ killedAt: InstallEvent | undefined; events: InstallEvent[] }> {
  const child: ResultPromise = spawnCli(args);
  let killedAt: InstallEvent | undefined;
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    if (killedAt) return;
    for (const e of jsonEvents(buf.slice(0, buf.lastIndexOf('\n') + 1))) {
      if (due(e)) {
        killedAt = e;
        process.kill(child.pid!, 'SIGKILL');
        return;
      }
    }
  });
  const r = await child.catch((e: unknown) => e as { stdout: string });
  return { killedAt, events: jsonEvents(String((r as { stdout?: unknown }).stdout ?? buf)) };
}

/** e2fsck -fn of the image's root partition (number 2 in gpt-bios), read-only, after everything is released. */
async function fsckRoot(image: string): Promise<{ code: number; out: string }> {
  const a = await attachImage(image);
  try {
    const r = await execa('e2fsck', ['-f', '-n', a.part(2)], { reject: false });
    return { code: r.exitCode ?? 128, out: `${r.stdout}\n${r.stderr}` };
  } finally {
    await a.detach();
  }
}

describe.skipIf(!isRoot)('an install killed at each step: the rerun releases the leftovers, the next install is clean (needs root)', () => {
  let fx: Composed;
  let dir: string;
  let cmdline: string;
  const base = () => ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', cmdline];

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-killed-');
    cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, 'root=livekit:CDLABEL=X LANG=en_US.UTF-8\n');
  });
  afterAll(async () => {
    await runCli(['cleanup']); // whatever a failed assertion left
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Kill points: as each step starts (partition, format, configure, the final checks), and mid-copy.
  const POINTS: [string, (e: InstallEvent) => boolean][] = [
    ['partition', (e) => e.type === 'step' && e.step === 'partition' && e.state === 'start'],
    ['format', (e) => e.type === 'step' && e.step === 'format' && e.state === 'start'],
    ['copy', (e) => e.type === 'progress' && e.step === 'copy' && e.bytes > 0],
    ['user', (e) => e.type === 'step' && e.step === 'user' && e.state === 'start'],
    ['log', (e) => e.type === 'step' && e.step === 'log' && e.state === 'start'],
    ['check', (e) => e.type === 'step' && e.step === 'check' && e.state === 'start'],
  ];

  it.each(POINTS)('killed at %s: leftovers are there, the rerun releases them and installs; e2fsck -fn is clean', async (point, due) => {
    const image = join(dir, `${point}.img`);
    await makeImage(image, 512 * MiB);
    const file = join(dir, `${point}.yaml`);
    writeFileSync(file, answers(image));
    let log1 = '';
    // The kill races the run: at the last steps a loaded machine may finish detaching before SIGKILL lands.
    // Such a run left nothing to test with, so it is tried again (a few times at most).
    let left: string[] = [];
    for (let attempt = 1; attempt <= 3 && left.length === 0; attempt++) {
      log1 = join(dir, `${point}-1-${attempt}.log`);
      const killed = await killWhen(['install', '--yes', '--json', '--config', file, ...base(), '--log', log1], due);
      expect(killed.killedAt, `never reached ${point}: ${JSON.stringify(killed.events.slice(-3))}`).toBeDefined();
      left = await loopsBacking([image]);
    }
    // The negative control: the killed run really left its image attached (the leftover the rerun must handle).
    expect(left).not.toEqual([]);
    const targetRoot = targetRootFromLog(log1);

    const log2 = join(dir, `${point}-2.log`);
    const rerun = await runCli(['install', '--yes', '--config', file, ...base(), '--log', log2]);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(new RegExp(`Released what an interrupted run \\(pid \\d+: install to ${image}\\) had left: .*loop /dev/loop\\d+ \\(${image}\\)`));
    expect(mountsUnder([targetRoot, targetRootFromLog(log2)])).toEqual([]);
    expect(await loopsBacking([image])).toEqual([]);
    const fsck = await fsckRoot(image);
    expect(fsck.code, fsck.out).toBe(0);
  });

  it('a leftover mount kept busy by another program: the rerun refuses naming it and `livekit cleanup`; cleanup then releases it', async () => {
    const image = join(dir, 'busy.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'busy.yaml');
    writeFileSync(file, answers(image));
    const log1 = join(dir, 'busy-1.log');
    await killWhen(['install', '--yes', '--json', '--config', file, ...base(), '--log', log1], (e) => e.type === 'step' && e.step === 'hostname' && e.state === 'start');
    const targetRoot = targetRootFromLog(log1);
    expect(mountsUnder([targetRoot])).toContain(targetRoot);
    // A program whose working directory is inside the leftover target keeps it busy.
    const sleeper = execa('sleep', ['600'], { cwd: join(targetRoot, 'etc'), reject: false });
    try {
      const rerun = await runCli(['install', '--yes', '--config', file, ...base(), '--log', join(dir, 'busy-2.log')]);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(3);
      expect(rerun.stderr).toContain(`Could not release mount ${targetRoot}`);
      expect(rerun.stderr).toContain(`pid ${sleeper.pid} (sleep 600)`);
      expect(rerun.stderr).toContain('livekit cleanup');
      expect(await loopsBacking([image])).not.toEqual([]); // nothing of the leftover's disk was let go under the program
    } finally {
      sleeper.kill('SIGKILL');
      await sleeper;
    }
    const cleanup = await runCli(['cleanup']);
    expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toMatch(/Released what an interrupted run/);
    expect(mountsUnder([targetRoot])).toEqual([]);
    expect(await loopsBacking([image])).toEqual([]);
    expect((await runCli(['cleanup'])).stdout).toContain('Nothing left behind');
    const again = await runCli(['install', '--yes', '--config', file, ...base(), '--log', join(dir, 'busy-3.log')]);
    expect(again.code, again.stderr).toBe(0);
    expect((await fsckRoot(image)).code).toBe(0);
  });

  it('a mount namespace made meanwhile keeps a copy of the leftover target: the copy is released there too, its process left running', async () => {
    const image = join(dir, 'ns.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'ns.yaml');
    writeFileSync(file, answers(image));
    const log1 = join(dir, 'ns-1.log');
    await killWhen(['install', '--yes', '--json', '--config', file, ...base(), '--log', log1], (e) => e.type === 'step' && e.step === 'hostname' && e.state === 'start');
    const targetRoot = targetRootFromLog(log1);
    // `unshare -m` copies every mount, the leftover target too, privately: unmounting it here leaves that copy.
    const other = execa('unshare', ['-m', 'sleep', '600'], { reject: false });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const rerun = await runCli(['install', '--yes', '--config', file, ...base(), '--log', join(dir, 'ns-2.log')]);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      expect(await loopsBacking([image])).toEqual([]);
      expect(() => process.kill(other.pid!, 0)).not.toThrow(); // still running: only the run's own mount was taken from it
      expect((await fsckRoot(image)).code).toBe(0);
    } finally {
      other.kill('SIGKILL');
      await other;
    }
    expect(mountsUnder([targetRoot])).toEqual([]);
  });

  it('a mount namespace made during an install: the install takes its copies back, checks a really unmounted filesystem, detaches', async () => {
    const image = join(dir, 'ns-live.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'ns-live.yaml');
    writeFileSync(file, answers(image));
    const log = join(dir, 'ns-live.log');
    const child = spawnCli(['install', '--yes', '--json', '--config', file, ...base(), '--log', log]);
    let other: ResultPromise | undefined;
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (!other && /"type":"step","step":"hostname","label":"[^"]*","index":\d+,"count":\d+,"state":"start"/.test(buf)) other = execa('unshare', ['-m', 'sleep', '600'], { reject: false });
    });
    const r = await child;
    try {
      expect(other).toBeDefined();
      expect(r.exitCode, String(r.stdout).slice(-2000)).toBe(0);
      expect(String(r.stdout)).toMatch(/released the copy of \/tmp\/livekit-target-\w+ another mount namespace kept/);
      expect(await loopsBacking([image])).toEqual([]);
      expect(() => process.kill(other!.pid!, 0)).not.toThrow();
    } finally {
      other?.kill('SIGKILL');
      await other;
    }
  });

  it('two installs onto one image at once: exactly one runs, the other is refused (exit 3) and writes nothing', async () => {
    const image = join(dir, 'twice.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'twice.yaml');
    writeFileSync(file, answers(image));
    const [a, b] = await Promise.all(
      ['a', 'b'].map((n) => runCli(['install', '--yes', '--json', '--config', file, ...base(), '--log', join(dir, `twice-${n}.log`)])),
    );
    const codes = [a!.code, b!.code].sort();
    expect(codes, a!.stdout + b!.stdout).toEqual([0, 3]);
    const refused = a!.code === 3 ? a! : b!;
    // Refused by the lock (the other had not attached it yet) or by the in-use rule (it had): never a step run.
    expect(refused.stdout).toMatch(/target-busy|"code":"in-use"/);
    expect(jsonEvents(refused.stdout).some((e) => e.type === 'step')).toBe(false);
    expect(await loopsBacking([image])).toEqual([]);
    expect((await fsckRoot(image)).code).toBe(0);
  });

  it('a service started after an install was killed releases what it left, and says so in its log', async () => {
    const image = join(dir, 'serve.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, answers(image));
    await killWhen(['install', '--yes', '--json', '--config', file, ...base(), '--log', join(dir, 'serve-1.log')], (e) => e.type === 'progress' && e.step === 'copy' && e.bytes > 0);
    expect(await loopsBacking([image])).not.toEqual([]);
    const serve = spawnCli(['serve', '--port', '0', ...base()]);
    let stderr = '';
    serve.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve) => serve.stdout!.on('data', (c: Buffer) => c.toString().includes('livekit serve: open') && resolve()));
    serve.kill('SIGTERM');
    await serve.catch(() => undefined);
    expect(stderr).toMatch(new RegExp(`livekit serve: Released what an interrupted run \\(pid \\d+: install to ${image}\\) had left: .*loop /dev/loop\\d+`));
    expect(await loopsBacking([image])).toEqual([]);
  });

  it('an unattended install (autoinstall) after a killed one releases what it left first, says so, and installs', async () => {
    const image = join(dir, 'auto.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'auto.yaml');
    writeFileSync(file, answers(image));
    await killWhen(['install', '--yes', '--json', '--config', file, ...base(), '--log', join(dir, 'auto-1.log')], (e) => e.type === 'step' && e.step === 'user' && e.state === 'start');
    expect(await loopsBacking([image])).not.toEqual([]);
    const server = createServer((_req, res) => res.end(answers(image)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/qa.yaml`;
      const r = await runCli(['autoinstall', '--source', url, '--result-dir', join(dir, 'auto-results'), ...base()]);
      expect(r.code, r.stdout.slice(-1500) + r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`Released what an interrupted run \\(pid \\d+: install to ${image}\\) had left: .*loop /dev/loop\\d+`));
    } finally {
      server.close();
    }
    expect(await loopsBacking([image])).toEqual([]);
    expect((await fsckRoot(image)).code).toBe(0);
  });

  it('an image attached to a loop device by someone else is in use: refused by plan and install, exit 3', async () => {
    const image = join(dir, 'attached.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'attached.yaml');
    writeFileSync(file, answers(image));
    const other = await attachImage(image);
    try {
      const plan = await runCli(['plan', '--config', file, ...base()]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(3);
      expect(plan.stderr).toContain(`In use: ${image} is used by ${other.device}`);
      const install = await runCli(['install', '--yes', '--config', file, ...base()]);
      expect(install.code).toBe(3);
    } finally {
      await other.detach();
    }
  });
});

describe.skipIf(!isRoot)('a Debian install killed mid-copy or in its bootloader step: the rerun releases everything and installs (needs root)', () => {
  let sysroots = '';
  let dir = '';
  beforeAll(async () => {
    sysroots = await debianSysroots();
    dir = mkdtempSync('/tmp/lk-killed-debian-');
  }, 1_600_000);
  afterAll(async () => {
    await runCli(['cleanup']);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function killedAndRerun(name: string, due: (e: InstallEvent) => boolean): Promise<string> {
    const image = join(dir, `${name}.img`);
    await makeImage(image, 3 * 1024 * MiB);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, debianAnswers({ disk: image, layout: 'gpt-bios', filesystem: 'ext4', hostname: 'killed', locale: 'en_US.UTF-8', timezone: 'UTC', password: 'pw 1234', swap: 'none' }));
    writeFileSync(join(dir, 'cmdline'), 'LANG=en_US.UTF-8\n');
    const source = ['--sysroots', sysroots, '--cmdline-file', join(dir, 'cmdline')];
    const killed = await killWhen(['install', '--yes', '--json', '--config', file, ...source, '--log', join(dir, `${name}-1.log`)], due);
    expect(killed.killedAt).toBeDefined();
    expect(await loopsBacking([image])).not.toEqual([]);
    const rerun = await runCli(['install', '--yes', '--config', file, ...source, '--log', join(dir, `${name}-2.log`)]);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(await loopsBacking([image])).toEqual([]);
    const fsck = await fsckRoot(image); // gpt-bios: 1 BIOS boot, 2 root
    expect(fsck.code, fsck.out).toBe(0);
    return rerun.stderr;
  }

  it('killed mid-copy of 800 MB: the copy program still writing into the target is killed first, then all released; e2fsck -fn clean', async () => {
    const said = await killedAndRerun('copy', (e) => e.type === 'progress' && e.step === 'copy' && e.bytes > 0);
    expect(said).toMatch(/Released what an interrupted run .*: process \d+ \([^)]*(rsync|unsquashfs)/);
  }, 1_200_000);

  it('killed as grub-install writes: binds, by-uuid link, target and loop device released; exit 0, e2fsck -fn clean', async () => {
    const said = await killedAndRerun('grub', (e) => e.type === 'log' && /Installing for i386-pc platform/.test(e.message));
    expect(said).toMatch(/Released what an interrupted run .*link \/dev\/disk\/by-uuid\/.*mount \/tmp\/livekit-target-\w+\/dev.*loop \/dev\/loop\d+/);
  }, 1_200_000);
});
