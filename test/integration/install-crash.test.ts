// The engine never dies with things mounted: a throw in the copier's line handler or in an event
// handler fails the install cleanly (failed state, everything released), and an exception nothing
// catches, mid-copy, makes the last-resort handler release every mount and loop device before exit.
// Failures are injected through ports (Copier, onEvent), never module mocks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { makeImage } from '../helpers/image.ts';
import { loopsBacking, mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import { rsyncArgv, type Copier } from '../../electron/engine/run/copier.ts';
import { parseProgress2Line } from '../../electron/engine/run/rsync-progress.ts';
import { heldBy } from '../../electron/engine/run/held.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

function answers(disk: string) {
  return { version: 1, variant: 'desktop', target: { disk, layout: 'gpt-bios', swap: 'none' }, hostname: 'crash-test', user: { name: 'bob', password: 'pw 1234' }, bootloader: 'none' };
}

/** A copier whose line handler throws on rsync's first progress line, while rsync runs. */
const throwingLineCopier: Copier = {
  async copy(req) {
    await req.runner.run(rsyncArgv(req.source, req.target), {
      ...(req.signal ? { signal: req.signal } : {}),
      onLine: (line, stream) => {
        if (stream === 'stdout' && parseProgress2Line(line)) throw new Error('injected: line handler bug');
      },
    });
  },
};

describe.skipIf(!isRoot)('failures inside handlers release everything (needs root: loop devices, mounts)', () => {
  let fx: Composed;
  let dir: string;
  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-crash-');
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function prepared(name: string) {
    const image = join(dir, `${name}.img`);
    await makeImage(image, 512 * MiB);
    const p = await prepareInstall(answers(image), { mediumDir: fx.medium, sysrootsDir: fx.sysroots, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, `${name}.log`) });
    if (!p.ok) throw new Error(JSON.stringify(p));
    return { image, p };
  }

  it("the copier's line handler throws mid-copy: the install fails with that error, all released", async () => {
    const { image, p } = await prepared('line');
    const events: InstallEvent[] = [];
    const r = await runInstall(p, { onEvent: (e) => events.push(e), copier: throwingLineCopier });
    expect(r).toMatchObject({ ok: false, cancelled: false, failedStep: 'copy', exitCode: 1 });
    expect(events.find((e) => e.type === 'error')).toMatchObject({ step: 'copy', message: 'injected: line handler bug' });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([p.plan.targetRoot])).toEqual([]);
    expect(heldBy()).toEqual([]);
  });

  it('an event handler throws on the first copy progress: the install fails with that error, all released', async () => {
    const { image, p } = await prepared('sink');
    const events: InstallEvent[] = [];
    let threw = false;
    const r = await runInstall(p, {
      onEvent: (e) => {
        events.push(e);
        if (!threw && e.type === 'progress' && e.step === 'copy') {
          threw = true;
          throw new Error('injected: subscriber bug');
        }
      },
    });
    expect(threw).toBe(true);
    expect(r).toMatchObject({ ok: false, cancelled: false, exitCode: 1 });
    expect(events.find((e) => e.type === 'error')).toMatchObject({ message: 'injected: subscriber bug' });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
    expect(await loopsBacking([image])).toEqual([]);
    expect(mountsUnder([p.plan.targetRoot])).toEqual([]);
    expect(heldBy()).toEqual([]);
  });

  it.each([
    ['exception', /internal error \(uncaught exception\): Error: injected: a bug outside any promise; releasing .*install to/],
    ['rejection', /internal error \(unhandled rejection\): Error: injected: a promise nobody awaits; releasing .*install to/],
  ] as const)('an unhandled %s mid-copy: the last-resort handler releases every mount and loop device, exit 1', async (kind, said) => {
    const image = join(dir, `uncaught-${kind}.img`);
    await makeImage(image, 512 * MiB);
    const file = join(dir, `uncaught-${kind}.json`);
    writeFileSync(file, JSON.stringify(answers(image)));
    const log = join(dir, `uncaught-${kind}.log`);
    const child = new URL('../helpers/crash-mid-copy.ts', import.meta.url).pathname;
    const r = await execa('node', ['--import', 'tsx', child, file, fx.medium, fx.sysroots, log, kind], { reject: false, timeout: 120_000 });
    expect(r.stdout).toContain('crash-mid-copy: throwing');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(said);
    const targetRoot = targetRootFromLog(log);
    // The copy step had the target mounted when it died.
    expect(await execa('grep', ['-c', `"type":"step","step":"copy"`, log]).then((x) => Number(x.stdout))).toBeGreaterThan(0);
    expect(mountsUnder([targetRoot])).toEqual([]);
    expect(await loopsBacking([image])).toEqual([]);
  });
});
