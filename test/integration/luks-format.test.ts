// The container an encrypted install makes, made for real by the plan's own commands on a loop device: a
// plain /boot, the ESP, and root as LUKS2 with argon2id (memory capped at 512 MiB) that the passphrase opens,
// the passphrase itself nowhere on the disk. This machine's kernel cannot open a container (no device-mapper),
// so the plan runs up to its `open-luks`; the whole install, unlocked at boot, is proven in QEMU
// (test/boot/autoinstall-encrypted.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage } from '../helpers/image.ts';
import { loopsBacking } from '../helpers/system-state.ts';
import { fileContains } from '../e2e/luks-check.ts';
import { collectMachineFacts } from '../../electron/engine/disks/collect.ts';
import { describeImage } from '../../electron/engine/disks/image.ts';
import { listSysroots } from '../../electron/engine/medium/sysroots.ts';
import { plan } from '../../electron/engine/plan/plan.ts';
import { validateAnswers } from '../../electron/engine/answers/validate.ts';
import { execute } from '../../electron/engine/run/executor.ts';
import { ExecaRunner } from '../../electron/engine/run/runner.ts';
import type { ExecutablePlan } from '../../electron/shared/plan.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;
const PASSPHRASE = 'Lk22 correct horse';

describe.skipIf(!isRoot)('the container an encrypted install makes (needs root: loop devices)', () => {
  let fx: Composed;
  let dir: string;
  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-luks-format-');
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GPT with ESP, /boot and a LUKS2 argon2id root the passphrase opens; the passphrase is not on the disk; all released', async () => {
    const image = join(dir, 'disk.img');
    await makeImage(image, 2048 * MiB);
    const facts = await collectMachineFacts({ cmdline: '', mediumDir: fx.medium });
    // Up to `open-luks` nothing needs device-mapper; what this kernel lacks is said by the planner elsewhere.
    const machine = { ...facts, firmware: 'uefi' as const, canOpenLuks: true, disks: [...facts.disks, await describeImage(image)] };
    const [desktop] = (await listSysroots({ sysrootsDir: fx.sysroots, mediumDir: fx.medium, lang: 'en', machine })).filter((s) => s.name === 'desktop');
    // The fixture's busybox root carries no cryptsetup of its own; the format runs on this machine's.
    const sysroot = { ...desktop!, tools: { ...desktop!.tools, cryptsetup: true } };
    const v = validateAnswers(
      { version: 1, variant: 'desktop', target: { disk: image, layout: 'gpt-uefi', swap: 'none' }, hostname: 'enc', user: { name: 'bob', password: 'pw 1234' }, bootloader: 'none', encryption: { passphrase: PASSPHRASE } },
      { sysroots: [sysroot], cmdline: '' },
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const r = plan(v.answers, machine, sysroot, { targetRoot: join(dir, 'target'), newUuid: () => crypto.randomUUID(), logPath: '/var/log/livekit-installer.log' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const root = r.plan.partitions.find((p) => p.role === 'root')!;
    const format = r.plan.steps.find((s) => s.id === 'format')!;
    const upToOpen: ExecutablePlan = {
      ...r.plan,
      steps: [
        ...r.plan.steps.filter((s) => s.id === 'attach' || s.id === 'partition'),
        { ...format, actions: format.actions.slice(0, format.actions.findIndex((a) => a.kind === 'open-luks')) },
        { id: 'detach', label: 'plan:step.detach', weight: 1, actions: [{ kind: 'release' }] },
      ],
    };
    const events: unknown[] = [];
    const done = await execute(upToOpen, { runner: new ExecaRunner(), secrets: { 'encryption.passphrase': PASSPHRASE }, onEvent: (e) => events.push(e), logFile: join(dir, 'log') });
    expect(done, JSON.stringify(events.slice(-3))).toEqual({ ok: true, cancelled: false });
    expect(await loopsBacking([image])).toEqual([]);

    const disk = await attachImage(image);
    try {
      const type = async (n: number) => (await execa('blkid', ['-p', '-o', 'value', '-s', 'TYPE', disk.part(n)], { reject: false })).stdout.trim();
      expect([await type(1), await type(2), await type(3)]).toEqual(['vfat', 'ext4', 'crypto_LUKS']);
      const dump = (await execa('cryptsetup', ['luksDump', disk.part(3)])).stdout;
      expect(dump).toMatch(/^Version:\s+2$/m);
      expect(dump).toMatch(new RegExp(`^UUID:\\s+${root.luks!.uuid}$`, 'm'));
      expect(dump).toMatch(/cipher:\s+aes-xts-plain64/);
      expect(dump).toMatch(/Cipher key:\s+512 bits/);
      expect(dump).toMatch(/PBKDF:\s+argon2id/);
      const memory = Number(/Memory:\s+(\d+)/.exec(dump)![1]);
      expect(memory).toBeGreaterThan(0);
      expect(memory).toBeLessThanOrEqual(524288);
      const opens = (p: string) => execa('cryptsetup', ['open', '--test-passphrase', '--key-file=-', disk.part(3)], { input: p, reject: false }).then((x) => x.exitCode);
      expect(await opens(PASSPHRASE)).toBe(0);
      expect(await opens(`${PASSPHRASE}!`)).not.toBe(0);
      // The key file is read whole: a trailing newline would have been part of the key.
      expect(await opens(`${PASSPHRASE}\n`)).not.toBe(0);
    } finally {
      await disk.detach();
    }
    expect(await fileContains(image, PASSPHRASE)).toBe(false);
    expect(await fileContains(join(dir, 'log'), PASSPHRASE)).toBe(false);
    // The check finds what is there: the container's UUID is in its header.
    expect(await fileContains(image, root.luks!.uuid)).toBe(true);
  }, 300_000);
});
