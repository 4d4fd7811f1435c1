// The truth about the target: an image whose filesystem is too small is refused before anything is written;
// one that fills up while installing (another file grew meanwhile) and one deleted mid-copy end as failed
// installs with the cause said, never as "Installed." — and everything is released either way.
import { mkdirSync, mkdtempSync, rmSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { makeImage, sha256File } from '../helpers/image.ts';
import { jsonEvents, runCli, spawnCli } from '../helpers/cli.ts';
import { loopsBacking, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;
/** Target-side causes the engine names (app:failed.errors.*): which one a full loop target shows is the kernel's choice. */
const TARGET_FAULTS = ['no-space', 'io-error', 'read-only-fs', 'fs-check-failed'];

function answers(disk: string) {
  return { version: 1, variant: 'desktop', target: { disk, layout: 'gpt-bios', swap: 'none' }, hostname: 'faults', user: { name: 'bob', password: 'pw 1234' }, bootloader: 'none' };
}

describe.skipIf(!isRoot)('a target that is too small, fills up or vanishes: refused or failed, never "Installed" (needs root)', () => {
  let fx: Composed;
  let dir: string;
  let cmdline: string;
  const tmpfs: string[] = [];
  const base = () => ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', cmdline];

  async function smallFs(name: string, size: string): Promise<string> {
    const at = join(dir, name);
    mkdirSync(at);
    await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, name, at]);
    tmpfs.push(at);
    return at;
  }

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-faults-');
    cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, 'root=livekit:CDLABEL=X LANG=en_US.UTF-8\n');
  });
  afterAll(async () => {
    for (const m of tmpfs) await execa('umount', ['-l', m], { reject: false });
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an image on a filesystem with too little room: plan and install refuse it (no-room, exit 3), the image untouched', async () => {
    const fs = await smallFs('small', '64m');
    const image = join(fs, 'disk.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'small.json');
    writeFileSync(file, JSON.stringify(answers(image)));
    const before = await sha256File(image);
    const plan = await runCli(['plan', '--config', file, ...base()]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(3);
    expect(plan.stderr).toMatch(/Its file system has too little free space: .*, the install writes up to /);
    const install = await runCli(['install', '--yes', '--config', file, ...base()]);
    expect(install.code, install.stdout + install.stderr).toBe(3);
    expect(await sha256File(image)).toBe(before);
    expect(statSync(image).blocks).toBe(0);
    expect(await loopsBacking([image])).toEqual([]);
  });

  it('the pre-flight check defeated (another file grows to fill the filesystem): the install fails naming the cause, exit 1, all released', async () => {
    const fs = await smallFs('grows', '200m');
    const image = join(fs, 'disk.img');
    await makeImage(image, 512 * MiB);
    const file = join(dir, 'grows.json');
    writeFileSync(file, JSON.stringify(answers(image)));
    const log = join(dir, 'grows.log');
    const child = spawnCli(['install', '--yes', '--json', '--config', file, ...base(), '--log', log]);
    let grown = false;
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      // As the copy starts, a file beside the image takes all but 8 MiB of the filesystem.
      if (!grown && /"type":"step","step":"copy"/.test(buf)) {
        grown = true;
        const st = statfsSync(fs);
        writeFileSync(join(fs, 'filler'), '');
        execa('fallocate', ['-l', String(st.bavail * st.bsize - 8 * MiB), join(fs, 'filler')]).catch(() => {});
      }
    });
    const r = await child;
    expect(grown).toBe(true);
    expect(r.exitCode, String(r.stdout).slice(-3000)).toBe(1);
    const events = jsonEvents(String(r.stdout));
    const error = events.find((e): e is Extract<InstallEvent, { type: 'error' }> => e.type === 'error');
    console.log(`filled target: ${JSON.stringify(error)}`);
    expect(TARGET_FAULTS, JSON.stringify(error)).toContain(error?.code);
    expect(events.some((e) => e.type === 'done' && e.ok)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([targetRootFromLog(log)])).toEqual([]);
    unlinkSync(join(fs, 'filler'));
  });

  it('the image deleted mid-copy: the install fails at the copy (target-vanished), exit 1, the loop device released', async () => {
    const image = join(dir, 'vanishing.img');
    await makeImage(image, 512 * MiB);
    const p = await prepareInstall(answers(image), { mediumDir: fx.medium, sysrootsDir: fx.sysroots, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, 'vanishing.log') });
    if (!p.ok) throw new Error(JSON.stringify(p));
    const events: InstallEvent[] = [];
    let deleted = false;
    const r = await runInstall(p, {
      onEvent: (e) => {
        events.push(e);
        if (!deleted && e.type === 'progress' && e.step === 'copy' && e.bytes > 0) {
          deleted = true;
          unlinkSync(image);
        }
      },
    });
    expect(deleted).toBe(true);
    expect(r).toMatchObject({ ok: false, cancelled: false, failedStep: 'copy', exitCode: 1 });
    expect(events.find((e) => e.type === 'error')).toMatchObject({ step: 'copy', code: 'target-vanished', params: { disk: image } });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([p.plan.targetRoot])).toEqual([]);
  });
});
