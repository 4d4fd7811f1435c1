// QA's unattended install at boot, in QEMU (TCG): the tiny medium with the packed installer boots with
// `livekit.autoinstall=LABEL=ANSWERS:/qa.yaml`, an answers disk and blank disks. The installer runs
// unattended from the Live root (autoinstall-init is PID 1 there: the tiny medium has no systemd; the
// release medium runs the same runner from livekit-autoinstall.service), prints its result on the
// serial console, writes it beside the answers, and powers off, or stays up with a shell on failure.
// The answers volume is ext4 here (this host's kernel cannot write FAT; a real QA rig may use FAT).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootKernel, buildImage, buildMedium, isRoot, NEEDS_ROOT, testInitrd } from './helpers/kit.ts';
import { runQemu } from './helpers/qemu.ts';
import { attachImage, makeImage, sha256File } from '../helpers/image.ts';

const LABEL = 'LKAUTO';
const MiB = 1024 ** 2;
const RESULT = /LIVEKIT-AUTOINSTALL-RESULT (\{.*\})/;
const NEXT = /livekit-autoinstall: exit code (\d+); next: (\w+)/;

if (!isRoot) console.warn(`test/boot/autoinstall: skipped (${NEEDS_ROOT})`);

describe.skipIf(!isRoot)('unattended install at boot (livekit.autoinstall=, QEMU TCG)', () => {
  let work = '';
  let kernel = '';
  let initrd = '';
  let image = '';
  const LOGS = join(tmpdir(), 'livekit-boot-logs');
  mkdirSync(LOGS, { recursive: true });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-autoinstall-'));
    kernel = await bootKernel();
    initrd = await testInitrd('systemd');
    const medium = join(work, 'medium');
    await buildMedium(medium, 'tiny', ['--installer', 'yes']);
    image = join(work, 'livekit.iso');
    await buildImage({ medium, kernel, initrd, out: image, label: LABEL });
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** An answers volume labelled ANSWERS holding qa.yaml. */
  async function answersDisk(name: string, yaml: string): Promise<string> {
    const src = join(work, `${name}-src`);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'qa.yaml'), yaml);
    const file = join(work, `${name}-answers.img`);
    await makeImage(file, 16 * MiB);
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'ANSWERS', '-d', src, file]);
    return file;
  }

  async function readFromVolume(volume: string, file: string): Promise<string> {
    const r = await execa('debugfs', ['-R', `cat /${file}`, volume]);
    return r.stdout;
  }

  /** Boots the medium with the answers disk first (vda) and the blank disks after it (vdb, vdc...). */
  function boot(name: string, answers: string, blanks: string[]) {
    const drives = [answers, ...blanks].flatMap((f) => ['-drive', `file=${f},format=raw,if=virtio`]);
    return runQemu({
      args: ['-kernel', kernel, '-initrd', initrd, '-cdrom', image, ...drives,
        '-append', `root=livekit:CDLABEL=${LABEL} livekit.boot=livekit livekit.autoinstall=LABEL=ANSWERS:/qa.yaml init=/usr/lib/livekit-session/autoinstall-init rd.driver.pre=ext4 console=ttyS0,115200 panic=1 rd.shell=0`],
      until: /livekit-autoinstall: exit code \d+; next: \w+[\s\S]*(reboot: Power down|stays up)/,
      stopOn: /Kernel panic/,
      timeoutMs: 600_000,
      memoryMiB: 2048,
      logFile: join(LOGS, `autoinstall-${name}.serial.log`),
    });
  }

  const answers = (target: string, extra: string[] = []) =>
    ['version: 1', 'variant: desktop', `target: { ${target} swap: none, layout: gpt-bios }`, 'hostname: qa-tiny', 'locale: zh_CN.UTF-8',
      'timezone: Asia/Shanghai', 'user: { name: alice, password: "qa pass 7" }', 'bootloader: none', ...extra, ''].join('\n');

  it('installs onto the disk the answers name, writes the result beside them and powers off', async () => {
    const vol = await answersDisk('ok', answers('disk: /dev/vdb,'));
    const target = join(work, 'ok-target.img');
    await makeImage(target, 2048 * MiB);
    const res = await boot('ok', vol, [target]);
    expect(res.timedOut, `serial log: ${LOGS}/autoinstall-ok.serial.log`).toBe(false);
    const result = JSON.parse(RESULT.exec(res.log)![1]!);
    expect(result).toMatchObject({ exitCode: 0, variant: 'desktop', disk: '/dev/vdb', after: 'poweroff', lastEvent: { type: 'done', ok: true } });
    expect(NEXT.exec(res.log)!.slice(1)).toEqual(['0', 'poweroff']);
    expect(res.log).toMatch(/reboot: Power down/);
    expect(res.log).toContain('"type":"step"'); // the JSON events on the console
    expect(res.log).not.toContain('qa pass 7');
    expect(JSON.parse(await readFromVolume(vol, 'livekit-result.json'))).toEqual(result);
    // The installed disk boots. The tiny variant has no kernel or GRUB of its own, so QEMU starts the
    // boot kit's kernel with root=UUID= of the installed root; its own PID 1 (tiny's boot-report)
    // prints what the installer set, and alice logs in on the serial console with her password.
    const table = JSON.parse((await execa('sfdisk', ['--json', target])).stdout);
    expect(table.partitiontable.label).toBe('gpt');
    const disk = await attachImage(target);
    let rootUuid = '';
    try {
      const parts = (await execa('lsblk', ['-nrpo', 'NAME', disk.device])).stdout.split('\n').slice(1);
      for (const p of parts) {
        const r = await execa('blkid', ['-o', 'value', '-s', 'TYPE', p], { reject: false });
        if (r.stdout.trim() === 'ext4') rootUuid = (await execa('blkid', ['-o', 'value', '-s', 'UUID', p])).stdout.trim();
      }
    } finally {
      await disk.detach();
    }
    expect(rootUuid).toMatch(/^[0-9a-f-]{36}$/);
    const installed = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd, '-drive', `file=${target},format=raw,if=virtio`,
        '-append', `root=UUID=${rootUuid} rootfstype=ext4 rd.driver.pre=ext4 init=/usr/lib/tiny/boot-report console=ttyS0,115200 panic=1 rd.shell=0`],
      keys: [
        { after: /login: $/m, send: 'alice\n' },
        { after: /Password: $/m, send: 'qa pass 7\n' },
        { after: /\$ $/m, send: 'echo "logged-in $(id -un) $(id -u)"; exit\n' },
      ],
      until: /TINY-LOGIN-ENDED/,
      stopOn: /Kernel panic|Login incorrect/,
      timeoutMs: 300_000,
      logFile: join(LOGS, 'autoinstall-installed.serial.log'),
    });
    expect(installed.timedOut, `serial log: ${LOGS}/autoinstall-installed.serial.log`).toBe(false);
    const report = /TINY-REPORT-BEGIN\n([\s\S]*?)\nTINY-REPORT-END/.exec(installed.log)![1]!;
    expect(report).toContain('hostname=qa-tiny');
    expect(report).toContain('locale=LANG=zh_CN.UTF-8');
    expect(report).toMatch(/timezone=\S*zoneinfo\/Asia\/Shanghai/);
    expect(report).toContain(`cmdline=root=UUID=${rootUuid}`);
    expect(report).toMatch(new RegExp(`fstab=UUID=${rootUuid}\\s+/\\s`));
    expect(installed.log).toMatch(/logged-in alice 1000/);
  }, 1_200_000);

  it('malformed answers: the message and exit 2 on the console, a shell, the blank disk unchanged', async () => {
    const vol = await answersDisk('bad', 'version: 1\nvariant: [desktop\n');
    const blank = join(work, 'bad-blank.img');
    await makeImage(blank, 1024 * MiB);
    const before = await sha256File(blank);
    const res = await boot('bad', vol, [blank]);
    expect(res.timedOut).toBe(false);
    expect(res.log).toMatch(/qa\.yaml:\d+: invalid YAML/);
    expect(NEXT.exec(res.log)!.slice(1)).toEqual(['2', 'shell']);
    expect(JSON.parse(await readFromVolume(vol, 'livekit-result.json'))).toMatchObject({ exitCode: 2, after: 'shell' });
    expect(await sha256File(blank)).toBe(before);
  }, 900_000);

  it('a target too small: refused with exit 3, powered off as the answers ask, the disk unchanged', async () => {
    const vol = await answersDisk('small', answers('disk: /dev/vdb,', ['poweroff-on-error: true']));
    const small = join(work, 'small.img');
    await makeImage(small, 8 * MiB);
    const before = await sha256File(small);
    const res = await boot('small', vol, [small]);
    expect(res.timedOut).toBe(false);
    expect(NEXT.exec(res.log)!.slice(1)).toEqual(['3', 'poweroff']);
    expect(res.log).toMatch(/reboot: Power down/);
    expect(JSON.parse(RESULT.exec(res.log)![1]!)).toMatchObject({ exitCode: 3, disk: '/dev/vdb' });
    expect(await sha256File(small)).toBe(before);
  }, 900_000);

  it('answers that name no disk, with two blank disks: refused (exit 3), neither disk written', async () => {
    const vol = await answersDisk('nodisk', answers(''));
    const blanks = [join(work, 'nodisk-1.img'), join(work, 'nodisk-2.img')];
    for (const b of blanks) await makeImage(b, 2048 * MiB);
    const before = await Promise.all(blanks.map(sha256File));
    const res = await boot('nodisk', vol, blanks);
    expect(res.timedOut).toBe(false);
    expect(res.log).toContain('the answers name no disk, and several could be erased (/dev/vdb, /dev/vdc)');
    expect(NEXT.exec(res.log)!.slice(1)).toEqual(['3', 'shell']);
    expect(await Promise.all(blanks.map(sha256File))).toEqual(before);
  }, 900_000);
});
