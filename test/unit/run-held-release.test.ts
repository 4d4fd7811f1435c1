// The executor's stack of held things, every kind of it (loop device, LUKS mapping, mount, a FAT staged in a
// tmpfs, a by-uuid link): whatever fails after any of them is taken, all that was taken is released newest
// first, each struck off the run's journal, and the journal is gone. A recording runner, a temp journal dir.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execute } from '../../electron/engine/run/executor.ts';
import { HeldJournal, readJournals } from '../../electron/engine/run/held-journal.ts';
import { HeldStack } from '../../electron/engine/run/held-stack.ts';
import { CommandError, RecordingRunner } from '../../electron/engine/run/runner.ts';
import type { Action, ExecutablePlan } from '../../electron/shared/plan.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lk-held-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A runner that answers losetup with a device and, for the vfat mount, says the kernel has no vfat. */
function machine(): RecordingRunner {
  return new RecordingRunner((argv) => {
    if (argv[0] === 'losetup' && argv[1] === '--find') return { stdout: '/dev/loop9\n' };
    if (argv[0] === 'mount' && argv.includes('vfat')) return { code: 32, stderr: "mount: unknown filesystem type 'vfat'." };
    return undefined;
  });
}

describe('HeldStack: every kind released newest first, struck off the journal', () => {
  it('loop, LUKS mapping, mount, link, staged FAT', async () => {
    const runner = machine();
    const journal = new HeldJournal(join(dir, 'held'), 'test');
    const held = new HeldStack((argv) => runner.run(argv), () => {}, journal, 'test');
    await held.attachLoop(join(dir, 'x.img'), async () => '/dev/loop9');
    await held.openLuks('luks-1', '/dev/loop9p2', async () => undefined);
    await held.mount('/dev/mapper/luks-1', '/t', async () => undefined);
    const link = join(dir, 'by-uuid-link');
    await held.link(link, '/dev/loop9p2', () => symlinkSync('/dev/loop9p2', link));
    mkdirStaged(join(dir, 'esp'));
    held.stagedFat('/dev/loop9p1', join(dir, 'esp'));
    expect(readJournals(join(dir, 'held'))[0]!.entries.map((e) => e.record.kind)).toEqual(['loop', 'luks', 'mount', 'link']);
    await held.release();
    expect(runner.commands.map((c) => c.argv.slice(0, 2))).toEqual([
      ['mcopy', '-s'],
      ['umount', '/t'],
      ['cryptsetup', 'close'],
      ['losetup', '-d'],
    ]);
    expect(existsSync(link)).toBe(false);
    held.close();
    expect(readdirSync(join(dir, 'held'))).toEqual([]);
  });

  it('keepDevices releases the mounts only: the container and the loop device stay for the checks', async () => {
    const runner = machine();
    const held = new HeldStack((argv) => runner.run(argv), () => {}, undefined, 'test');
    await held.attachLoop(join(dir, 'x.img'), async () => '/dev/loop9');
    await held.openLuks('luks-1', '/dev/loop9p2', async () => undefined);
    await held.mount('/dev/mapper/luks-1', '/t', async () => undefined);
    await held.release({ keepDevices: true });
    expect(runner.commands.map((c) => c.argv)).toEqual([['umount', '/t']]);
    await held.release();
    expect(runner.commands.map((c) => c.argv)).toEqual([['umount', '/t'], ['cryptsetup', 'close', 'luks-1'], ['losetup', '-d', '/dev/loop9']]);
  });
});

/** A staged ESP holding a file: its release writes it back with mtools. */
function mkdirStaged(d: string): void {
  mkdirSync(d);
  writeFileSync(join(d, 'marker'), 'x');
}

describe('execute: a failure after each held thing releases everything taken so far, in reverse', () => {
  const root = () => join(dir, 'target');
  const actions = (): Action[] => [
    { kind: 'attach-image', image: join(dir, 'x.img') },
    { kind: 'open-luks', device: '{part:root}', name: 'luks-1', secret: 'encryption.passphrase' },
    { kind: 'mount', source: '/dev/mapper/luks-1', target: root(), fstype: 'ext4' },
    { kind: 'mount', source: '{part:esp}', target: join(root(), 'boot/efi'), fstype: 'vfat' },
    { kind: 'mount', source: '/dev', target: join(root(), 'dev'), bind: true },
  ];
  const RELEASES = [
    ['losetup', '-d', '/dev/loop9'],
    ['cryptsetup', 'close', 'luks-1'],
    ['umount', '<root>'],
    ['umount', '<root>/boot/efi'],
    ['umount', '<root>/dev'],
  ];

  for (let taken = 1; taken <= 5; taken++) {
    it(`fails right after the ${taken}. held thing: releases ${taken} in reverse, the journal gone`, async () => {
      const rec = machine();
      const all = actions();
      const plan: ExecutablePlan = {
        targetRoot: root(),
        erase: { path: join(dir, 'x.img'), sizeBytes: 1, image: true },
        partitions: [
          { role: 'esp', number: 1 },
          { role: 'root', number: 2, luks: { uuid: 'u', name: 'luks-1' }, fs: { type: 'ext4', format: true, mountpoint: '/' } },
        ],
        steps: [{ id: 'format', label: 'plan:step.format', weight: 1, actions: [...all.slice(0, taken), { kind: 'run', argv: ['false-after'] }] }],
      };
      const runner = {
        run: (argv: string[], o?: Parameters<RecordingRunner['run']>[1]) => (argv[0] === 'false-after' ? Promise.reject(new CommandError(argv, 1, 'injected')) : rec.run(argv, o)),
      };
      const heldDir = join(dir, 'held');
      const r = await execute(plan, { runner, secrets: { 'encryption.passphrase': 'correct horse' }, onEvent: () => {}, logFile: join(dir, 'log'), heldDir });
      expect(r).toMatchObject({ ok: false, failedStep: 'format' });
      const releases = rec.commands.map((c) => c.argv).filter((a) => a[0] === 'umount' || (a[0] === 'losetup' && a[1] === '-d') || (a[0] === 'cryptsetup' && a[1] === 'close'));
      // The ESP is staged in a tmpfs (the kernel has no vfat here): its umount is the tmpfs's.
      expect(releases).toEqual(RELEASES.slice(0, taken).map((a) => a.map((x) => x.replace('<root>', root()))).reverse());
      expect(existsSync(heldDir) ? readdirSync(heldDir) : []).toEqual([]);
      // The passphrase reached cryptsetup on stdin only.
      expect(JSON.stringify(rec.commands)).not.toContain('correct horse');
    });
  }
});
