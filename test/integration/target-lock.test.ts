// One LiveKit run per target disk across processes: the lock is named after the whole disk (a partition, the
// disk itself and a second path to it find the same lock), refuses a second holder naming the first, and is
// gone the moment its process dies, however it dies.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachImage, makeImage, type Attached } from '../helpers/image.ts';
import { lockKeyOf, lockTargets, TargetBusyError } from '../../electron/engine/run/target-lock.ts';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('target locks (needs root: a partitioned loop device)', () => {
  let dir: string;
  let disk: Attached;
  beforeAll(async () => {
    dir = mkdtempSync('/tmp/lk-lock-');
    const image = join(dir, 'disk.img');
    await makeImage(image, 64 * 1024 * 1024);
    await execa('sfdisk', [image], { input: 'label: gpt\nsize=16MiB\nsize=16MiB\n' });
    disk = await attachImage(image);
  });
  afterAll(async () => {
    await disk?.detach();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a partition locks its whole disk; an image file is named by device and inode, whatever path reaches it', () => {
    expect(lockKeyOf(disk.part(1))).toBe(lockKeyOf(disk.device));
    expect(lockKeyOf(disk.part(2))).toBe(lockKeyOf(disk.device));
    const link = join(dir, 'other-name.img');
    symlinkSync(join(dir, 'disk.img'), link);
    expect(lockKeyOf(link)).toBe(lockKeyOf(join(dir, 'disk.img')));
  });

  it('a second run onto the same disk is refused naming the first; after release it may go', async () => {
    const first = await lockTargets([disk.part(2)], 'install to the test disk');
    const second = await lockTargets([disk.device], 'another install').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(TargetBusyError);
    expect((second as TargetBusyError).params).toEqual({ disk: disk.device, holder: `pid ${process.pid}: install to the test disk` });
    await first.release();
    const third = await lockTargets([disk.device], 'a third');
    await third.release();
  });

  it('a process killed with SIGKILL holding the lock leaves no stale lock behind', async () => {
    const script = `import { lockTargets } from ${JSON.stringify(new URL('../../electron/engine/run/target-lock.ts', import.meta.url).pathname)};
await lockTargets([${JSON.stringify(disk.device)}], 'doomed'); console.log('locked'); setInterval(() => {}, 1000);`;
    const child = execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { reject: false });
    await new Promise<void>((resolve) => child.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && resolve()));
    await expect(lockTargets([disk.device], 'me')).rejects.toThrow(/doomed/);
    child.kill('SIGKILL');
    await child;
    const mine = await lockTargets([disk.device], 'me');
    await mine.release();
  });
});
