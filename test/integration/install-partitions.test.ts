// Installing into existing partitions: root is formatted, the existing ESP is kept byte for byte,
// the partition table is not touched. The partitions live on a loop device this test attaches itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage, mountRo, sha256File, withCleanup } from '../helpers/image.ts';
import { runCli } from '../helpers/cli.ts';
import { mountsUnder, targetRootFromLog } from '../helpers/system-state.ts';
import { diffTrees, walkTree } from '../helpers/walk.ts';
import { blkid, compareDirTime, partitionTable, passwordVerifies, readFstab, shadowHash, skipManaged } from '../helpers/verify.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

describe.skipIf(!isRoot)('install into existing partitions (needs root: loop devices, mounts, chroot)', () => {
  let fx: Composed;
  let dir: string;

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-parts-');
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('formats root, keeps the ESP and the table, copies every file', async () => {
    const image = join(dir, 'disk.img');
    await makeImage(image, 1024 * MiB);
    await execa('sh', ['-c', `printf 'label: gpt\\nsize=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n' | sfdisk -q ${image}`]);
    await withCleanup(async (defer) => {
      const disk = await attachImage(image);
      defer(disk.detach);
      const esp = disk.part(1);
      const root = disk.part(2);
      await execa('mkfs.vfat', ['-n', 'KEEPME', esp]);
      await execa('mkfs.ext4', ['-q', '-L', 'OLDROOT', root]);
      const espHash = await sha256File(esp);
      const espUuid = (await blkid(esp))['UUID'];
      const tableBefore = await partitionTable(disk.device);

      const answers = join(dir, 'answers.yaml');
      writeFileSync(
        answers,
        `version: 1\nvariant: desktop\ntarget:\n  partitions: { root: ${root}, efi: ${esp} }\n  filesystem: ext4\n  swap: none\nhostname: parts-test\nuser:\n  name: carol\n  password: "p@ss word"\nbootloader: none\n`,
      );
      writeFileSync(join(dir, 'cmdline'), 'root=livekit:CDLABEL=X\n');
      const r = await runCli(['install', '--yes', '--config', answers, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline'), '--log', join(dir, 'log')]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(mountsUnder([targetRootFromLog(join(dir, 'log'))])).toEqual([]);

      expect(await partitionTable(disk.device)).toEqual(tableBefore);
      expect(await sha256File(esp)).toBe(espHash);
      const rootId = await blkid(root);
      expect(rootId['TYPE']).toBe('ext4');
      expect(rootId['LABEL']).toBeUndefined(); // formatted anew

      const mnt = join(dir, 'mnt');
      defer(await mountRo(root, mnt));
      const fstab = readFstab(mnt);
      expect(fstab.find((e) => e.mountpoint === '/')?.spec).toBe(`UUID=${rootId['UUID']}`);
      const espEntry = fstab.find((e) => e.mountpoint === '/boot/efi');
      if (espEntry) expect(espEntry.spec).toBe(`UUID=${espUuid}`);
      const source = await walkTree(join(fx.sysroots, 'desktop'), { skip: skipManaged, dirTimes: compareDirTime });
      expect(diffTrees(source, await walkTree(mnt, { skip: skipManaged, dirTimes: compareDirTime }))).toEqual([]);
      expect(await passwordVerifies('p@ss word', shadowHash(mnt, 'carol')!)).toBe(true);
    });
  });
});
