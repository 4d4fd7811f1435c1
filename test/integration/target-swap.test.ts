// The confirmed plan is the plan that runs, on the disk it was made for: a loop device re-pointed at
// another image between plan and install (a USB stick swapped under the same /dev name) is refused
// before the first write, by the service (CONFLICT, translatable code) and by the engine the CLI uses
// (exit 3), and by `livekit install` in a terminal when the swap happens while it asks "Type yes";
// the other image is unchanged, byte for byte.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { rpcClient, serve, type Served } from '../e2e/serve.ts';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage, sha256File, withCleanup } from '../helpers/image.ts';
import { BIN } from '../helpers/cli.ts';
import { EXIT, prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

/** Detaches `loop` and attaches `image` to the same device node (what a swapped stick looks like). */
async function repoint(loop: string, image: string): Promise<void> {
  await execa('partx', ['-d', loop], { reject: false });
  await execa('losetup', ['-d', loop]);
  for (let i = 0; i < 50; i++) {
    const r = await execa('losetup', ['--partscan', loop, image], { reject: false });
    if (r.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`could not re-attach ${loop}`);
}

function answers(disk: string, variant: string) {
  return { version: 1, variant, target: { disk, layout: 'gpt-bios', filesystem: 'ext4', swap: 'none' }, hostname: 'swap-test', user: { name: 'alice', password: 'swap-1234' }, bootloader: 'none' };
}

describe.skipIf(!isRoot)('a swapped target is refused (needs root: loop devices)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/lk-swap-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('through the service', () => {
    let svc: Served;
    let client: Awaited<ReturnType<typeof rpcClient>>;
    beforeAll(async () => {
      svc = await serve(['--demo', '--cmdline-file', '/dev/null']);
      client = await rpcClient(svc);
    });
    afterAll(async () => {
      await client?.close();
      await svc?.stop(); // the demo's cleanup detaches the loop device, whatever it points at now
    });

    it('install({ planId }) of a plan whose disk was swapped: CONFLICT naming what changed; the other disk unchanged', async () => {
      const loop = svc.partitionedDisk;
      const facts = await client.rpc.facts.query({ lang: 'en' });
      const variant = facts.sysroots.find((s) => s.installable)!.name;
      const planned = await client.rpc.plan.mutate(answers(loop, variant));
      if (!planned.ok) throw new Error(JSON.stringify(planned));
      expect(planned.plan.erase?.path).toBe(loop);

      const other = join(dir, 'other-stick.img');
      await makeImage(other, 4096 * MiB);
      await execa('sfdisk', ['--quiet', other], { input: 'label: dos\nsize=64MiB, type=83\n' });
      const before = await sha256File(other);
      const original = join(svc.demoDir, 'demo-partitioned.img');
      await repoint(loop, other);
      try {
        const err = await client.rpc.install.mutate({ planId: planned.planId }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TRPCClientError);
        const e = err as { data: { code: string; coded: { code: string; params: { disk: string; changes: string } } | null; stack?: string } };
        expect(e.data.code).toBe('CONFLICT');
        expect(e.data.coded).toMatchObject({ code: 'target-changed', params: { disk: loop } });
        expect(e.data.coded!.params.changes).toMatch(/backing/);
        expect(e.data.coded!.params.changes).toMatch(/partition-table/);
        expect(e.data.stack).toBeUndefined();
        expect((await client.rpc.state.query()).phase).toBe('idle');
        expect(await sha256File(other)).toBe(before);
      } finally {
        await repoint(loop, original);
      }
    });
  });

  describe('through the engine the CLI runs (prepareInstall, then runInstall)', () => {
    let fx: Composed;
    beforeAll(async () => {
      fx = await composeFixture(await fixtureMedium());
    });
    afterAll(async () => {
      await fx?.release();
    });

    it('refuses with exit 3 and an error naming the change; nothing written', async () => {
      const a = join(dir, 'a.img');
      const b = join(dir, 'b.img');
      await makeImage(a, 512 * MiB);
      await makeImage(b, 512 * MiB);
      await execa('sfdisk', ['--quiet', b], { input: 'label: gpt\nsize=16MiB\n' });
      const loop = (await execa('losetup', ['--find', '--show', a])).stdout.trim();
      try {
        const p = await prepareInstall(answers(loop, 'desktop'), { mediumDir: fx.medium, sysrootsDir: fx.sysroots, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, 'cli.log') });
        if (!p.ok) throw new Error(JSON.stringify(p));
        const before = await sha256File(b);
        await repoint(loop, b);
        const events: InstallEvent[] = [];
        const r = await runInstall(p, { onEvent: (e) => events.push(e) });
        expect(r.exitCode).toBe(EXIT.refused);
        expect(events[0]).toMatchObject({ type: 'error', code: 'target-changed', params: { disk: loop } });
        expect(events.some((e) => e.type === 'plan' || e.type === 'step')).toBe(false);
        expect(await sha256File(b)).toBe(before);
      } finally {
        await execa('losetup', ['-d', loop], { reject: false });
      }
    });
  });

  describe('into existing partitions: the kept ESP is reformatted between plan and install', () => {
    let fx: Composed;
    beforeAll(async () => {
      fx = await composeFixture(await fixtureMedium());
    });
    afterAll(async () => {
      await fx?.release();
    });

    it('refuses with exit 3 naming the filesystems (the plan\'s fstab names the old ESP UUID); root untouched', async () => {
      const image = join(dir, 'parts.img');
      await makeImage(image, 1024 * MiB);
      await execa('sfdisk', ['--quiet', image], { input: 'label: gpt\nsize=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' });
      await withCleanup(async (defer) => {
        const disk = await attachImage(image);
        defer(disk.detach);
        await execa('mkfs.vfat', ['-n', 'ESP', disk.part(1)]);
        await execa('mkfs.ext4', ['-q', '-L', 'OLDROOT', disk.part(2)]);
        const a = { ...answers(disk.device, 'desktop'), target: { partitions: { root: disk.part(2), efi: disk.part(1) }, filesystem: 'ext4', swap: 'none' } };
        const p = await prepareInstall(a, { mediumDir: fx.medium, sysrootsDir: fx.sysroots, cmdline: 'LANG=en_US.UTF-8', logPath: join(dir, 'parts.log') });
        if (!p.ok) throw new Error(JSON.stringify(p));
        await execa('mkfs.vfat', ['-n', 'ESP', disk.part(1)]); // same table, same label: a new volume id
        const rootBefore = await sha256File(disk.part(2));
        const events: InstallEvent[] = [];
        const r = await runInstall(p, { onEvent: (e) => events.push(e) });
        expect(r.exitCode).toBe(EXIT.refused);
        expect(events[0]).toMatchObject({ type: 'error', code: 'target-changed', params: { disk: disk.part(1), changes: 'filesystems' } });
        expect(events.some((e) => e.type === 'step')).toBe(false);
        expect(await sha256File(disk.part(2))).toBe(rootBefore);
      });
    }, 120_000);
  });

  describe('through `livekit install` in a terminal: the stick is swapped while the prompt waits', () => {
    let fx: Composed;
    beforeAll(async () => {
      fx = await composeFixture(await fixtureMedium());
    });
    afterAll(async () => {
      await fx?.release();
    });

    it('answering "yes" after the swap: exit 3 naming the change; the other disk unchanged', async () => {
      const a = join(dir, 'tty-a.img');
      const b = join(dir, 'tty-b.img');
      await makeImage(a, 512 * MiB);
      await makeImage(b, 512 * MiB);
      await execa('sfdisk', ['--quiet', b], { input: 'label: gpt\nsize=16MiB\n' });
      const loop = (await execa('losetup', ['--find', '--show', a])).stdout.trim();
      const file = join(dir, 'tty-answers.json');
      writeFileSync(file, JSON.stringify(answers(loop, 'desktop')));
      try {
        // script(1) gives the CLI a pseudo-terminal (it refuses to prompt without one) and forwards our stdin to it.
        const cmd = [BIN, 'install', '--config', file, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', '/dev/null'].map((w) => `'${w}'`).join(' ');
        const cli = execa('script', ['--quiet', '--return', '--command', cmd, '/dev/null'], { reject: false, env: { LANG: 'C.UTF-8' } });
        let screen = '';
        const asked = new Promise<void>((resolve) => {
          cli.stdout!.on('data', (d: Buffer) => {
            screen += d.toString();
            if (screen.includes('Type "yes"')) resolve();
          });
        });
        await Promise.race([asked, cli.then(() => { throw new Error(`the CLI ended before asking:\n${screen}`); })]);
        expect(screen).toContain('The install will do this to the disks');
        expect(screen).toMatch(/! New (GPT|MBR) partition table on /);
        expect(screen).toContain(loop);
        const before = await sha256File(b);
        await repoint(loop, b);
        cli.stdin!.write('yes\r');
        const r = await cli;
        expect(r.exitCode, screen).toBe(EXIT.refused);
        expect(screen).toMatch(/Not installed: The target disk .* is no longer the disk the plan was made for \(changed: backing, partition-table\)/);
        expect(screen).not.toMatch(/step "-"|Log: -/);
        expect(await sha256File(b)).toBe(before);
      } finally {
        await execa('losetup', ['-d', loop], { reject: false });
      }
    }, 120_000);
  });
});
