// An encrypted install made by the installer, end to end in QEMU (TCG), issue #22. This host's kernel has no
// device-mapper, so the install runs in a guest: the tiny medium with the packed installer boots with
// `livekit.autoinstall=` and answers asking for `encryption: { passphrase }`. Its Live root has no
// /lib/modules, so the test initramfs (mkinitrd.sh --crypt) carries dm-crypt and the crypto modules and loads
// them before the switch (`rd.driver.pre=`); the Live root's cryptsetup then makes /dev/mapper nodes without
// udev (libdevmapper's own fallback). Then the installed disk boots: tiny has no kernel, so the boot kit's
// kernel and the same initramfs (dracut's crypt module, systemd-cryptsetup) with `rd.luks.uuid=`; the
// passphrase is typed at the prompt on the serial console, a wrong one first.
// Negative controls: the wrong passphrase is refused and asked again (in the guest and by cryptsetup here);
// grep finds the passphrase where it is in the clear (the answers' qa.yaml) and neither it nor the root's
// files in the installed disk; no plain partition carries the root's file system; a boot that does not
// unlock (rd.luks=0) does not find the root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootKernel, buildImage, buildMedium, isRoot, NEEDS_ROOT, testInitrd } from './helpers/kit.ts';
import { runQemu } from './helpers/qemu.ts';
import { QemuSession } from './helpers/qemu-session.ts';
import { fileContains, readLuks } from '../e2e/luks-check.ts';
import { makeImage } from '../helpers/image.ts';
import { loopsBacking } from '../helpers/system-state.ts';

const LABEL = 'LKCRYPT';
const MiB = 1024 ** 2;
const PASSPHRASE = 'Tiny geheim 42';
const WRONG = 'Tiny geheim 24';
const PASSWORD = 'qa pass 7';
const RESULT = /LIVEKIT-AUTOINSTALL-RESULT (\{.*\})/;
/** systemd-cryptsetup's question (systemd-ask-password on the console), with the mapping's name. */
const PROMPT = /Please enter passphrase for disk [^\n]*?\((luks-[0-9a-f-]+)\)/;
/** A file of the installed variant (tiny's boot report): in the clear it would be on the disk image. */
const ROOT_MARKER = 'TINY-REPORT-BEGIN';
/** dm-crypt and what aes-xts-plain64 needs (xts; aes is built in), and AF_ALG for luksFormat's key slots. */
const DM_DRIVERS = 'ext4,dm_crypt,xts,algif_skcipher';
/** systemd-cryptsetup says why it asks again in the journal only: forwarded to the console, errors only. */
const JOURNAL_ERRORS = 'systemd.journald.forward_to_console=1 systemd.journald.max_level_console=err';

if (!isRoot) console.warn(`test/boot/autoinstall-encrypted: skipped (${NEEDS_ROOT})`);

interface PlannedRoot {
  luksUuid: string;
  fsUuid: string;
  bootUuid: string;
}

/** The root's container and file system and /boot's file system, from the plan event on the console. */
function plannedRoot(log: string): PlannedRoot {
  const line = log.split('\n').find((l) => l.startsWith('{"type":"plan"'));
  if (!line) throw new Error('no plan event on the console');
  const parts = (JSON.parse(line) as { plan: { partitions: { role: string; luks?: { uuid: string }; fs?: { uuid: string } }[] } }).plan.partitions;
  const root = parts.find((p) => p.role === 'root');
  const boot = parts.find((p) => p.role === 'boot');
  if (!root?.luks || !root.fs || !boot?.fs) throw new Error('the plan has no encrypted root beside a plain /boot');
  return { luksUuid: root.luks.uuid, fsUuid: root.fs.uuid, bootUuid: boot.fs.uuid };
}

/** Each partition's type and UUID as blkid reads it from the raw image (read-only loop device, no cache). */
async function probePartitions(image: string): Promise<{ type: string; uuid: string }[]> {
  const loop = (await execa('losetup', ['--find', '--show', '--read-only', '--partscan', image])).stdout.trim();
  try {
    await execa('partx', ['-u', loop], { reject: false });
    await execa('partx', ['-a', loop], { reject: false });
    const parts = (await execa('lsblk', ['-nrpo', 'NAME', loop])).stdout.split('\n').slice(1).filter(Boolean);
    const out = [];
    for (const p of parts) {
      const v = (await execa('blkid', ['-p', '-o', 'export', p], { reject: false })).stdout;
      const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(v)?.[1] ?? '';
      out.push({ type: get('TYPE'), uuid: get('UUID') });
    }
    return out;
  } finally {
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
  }
}

describe.skipIf(!isRoot)('an encrypted unattended install at boot, unlocked at the next boot (QEMU TCG)', () => {
  let work = '';
  let kernel = '';
  let initrd = '';
  let image = '';
  let answers = '';
  let target = '';
  let planned: PlannedRoot | undefined;
  const LOGS = join(tmpdir(), 'livekit-boot-logs');
  mkdirSync(LOGS, { recursive: true });
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-autoinstall-luks-'));
    kernel = await bootKernel();
    initrd = await testInitrd('systemd', { crypt: true });
    const medium = join(work, 'medium');
    const t0 = Date.now();
    await buildMedium(medium, 'tiny', ['--installer', 'yes', '--separate', 'estimate']);
    image = join(work, 'livekit.iso');
    await buildImage({ medium, kernel, initrd, out: image, label: LABEL });
    timings.mediumSeconds = (Date.now() - t0) / 1000;
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (Object.keys(timings).length) console.log(`autoinstall-encrypted timings: ${JSON.stringify(timings)}`);
  });

  it('installs encrypted: exit 0, the events on the console, a LUKS2 argon2id root the passphrase opens, the passphrase nowhere', async () => {
    const src = join(work, 'answers');
    mkdirSync(src);
    writeFileSync(join(src, 'qa.yaml'), ['version: 1', 'variant: desktop', 'target: { disk: /dev/vdb, swap: none, layout: gpt-bios }',
      'hostname: qa-crypt', 'locale: zh_CN.UTF-8', 'timezone: Asia/Shanghai', `user: { name: alice, password: "${PASSWORD}" }`,
      'bootloader: none', `encryption: { passphrase: "${PASSPHRASE}" }`, ''].join('\n'));
    answers = join(work, 'answers.img');
    await makeImage(answers, 16 * MiB);
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'ANSWERS', '-d', src, answers]);
    target = join(work, 'target.img');
    await makeImage(target, 2048 * MiB);

    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd, '-cdrom', image,
        '-drive', `file=${answers},format=raw,if=virtio`, '-drive', `file=${target},format=raw,if=virtio`,
        '-append', `root=livekit:CDLABEL=${LABEL} livekit.boot=livekit livekit.autoinstall=LABEL=ANSWERS:/qa.yaml init=/usr/lib/livekit-session/autoinstall-init rd.driver.pre=${DM_DRIVERS} console=ttyS0,115200 panic=1 rd.shell=0`],
      until: /livekit-autoinstall: exit code \d+; next: \w+[\s\S]*(reboot: Power down|stays up)/,
      stopOn: /Kernel panic/,
      timeoutMs: 600_000,
      memoryMiB: 2048,
      logFile: join(LOGS, 'autoinstall-encrypted.serial.log'),
    });
    timings.installBootSeconds = res.seconds;
    expect(res.timedOut, `serial log: ${LOGS}/autoinstall-encrypted.serial.log`).toBe(false);
    const result = JSON.parse(RESULT.exec(res.log)![1]!);
    expect(result).toMatchObject({ exitCode: 0, disk: '/dev/vdb', after: 'poweroff', lastEvent: { type: 'done', ok: true } });
    timings.installSeconds = result.installSeconds;
    expect(res.log).toMatch(/reboot: Power down/);
    // The events: the container made and opened under its crypttab name, the root made inside it.
    planned = plannedRoot(res.log);
    const name = `luks-${planned.luksUuid}`;
    expect(res.log).toContain('"type":"step","step":"format"');
    expect(res.log).toContain('$ cryptsetup luksFormat --type luks2 --cipher aes-xts-plain64 --key-size 512 --pbkdf argon2id');
    expect(res.log).toContain(`opened /dev/vdb3 as /dev/mapper/${name}`);
    expect(res.log).toMatch(new RegExp(`linked /dev/disk/by-uuid/${planned.fsUuid} -> /dev/mapper/${name}`));
    expect(res.log).toContain(`$ e2fsck -f -n /dev/mapper/${name}`);
    expect(res.log).toContain(`$ cryptsetup close ${name}`);

    // The passphrase nowhere it should not be. The control: grep finds it in the answers volume (qa.yaml).
    expect(res.log).not.toContain(PASSPHRASE);
    const readBack = async (file: string) => (await execa('debugfs', ['-R', `cat /${file}`, answers])).stdout;
    expect(JSON.parse(await readBack('livekit-result.json'))).toEqual(result);
    const installLog = await readBack('livekit-install.log');
    expect(installLog).toContain('cryptsetup luksFormat');
    expect(installLog).not.toContain(PASSPHRASE);
    expect(await fileContains(answers, PASSPHRASE), 'control: the answers volume holds qa.yaml').toBe(true);
    expect(await fileContains(target, PASSPHRASE)).toBe(false);
    expect(await fileContains(target, ROOT_MARKER), "the root's files are not in the clear").toBe(false);

    // The container, read here (cryptsetup needs no device-mapper for this).
    const luks = await readLuks(target, PASSPHRASE, { readSystem: false });
    expect(luks).toMatchObject({ version: '2', uuid: planned.luksUuid, kdfs: ['argon2id'], ciphers: ['aes-xts-plain64'], keyBits: [512], opens: true, wrongOpens: false });
    // No plain partition holds the root's file system: it can only be found inside the container.
    const probed = await probePartitions(target);
    expect(probed.map((p) => p.type)).toEqual(['', 'ext4', 'crypto_LUKS']);
    expect(probed[1]!.uuid).toBe(planned.bootUuid);
    expect(probed.map((p) => p.uuid)).not.toContain(planned.fsUuid);
  }, 900_000);

  it('the installed disk asks at boot: a wrong passphrase is refused and asked again, the right one unlocks, alice logs in', async () => {
    if (!planned) throw new Error('the install did not run');
    const name = `luks-${planned.luksUuid}`;
    const vm = await QemuSession.start({
      args: ['-kernel', kernel, '-initrd', initrd, '-drive', `file=${target},format=raw,if=virtio,snapshot=on`,
        '-append', `rd.luks.uuid=${planned.luksUuid} root=UUID=${planned.fsUuid} rootfstype=ext4 rd.driver.pre=ext4 ${JOURNAL_ERRORS} init=/usr/lib/tiny/boot-report console=ttyS0,115200 panic=1 rd.shell=0`],
      logFile: join(LOGS, 'autoinstall-encrypted-installed.serial.log'),
    });
    try {
      const prompts = () => [...vm.serial().matchAll(new RegExp(PROMPT.source, 'g'))];
      let at = await vm.waitSerial(PROMPT, { timeoutMs: 300_000, what: 'the passphrase prompt' });
      timings.promptAt = vm.elapsed();
      expect(prompts()[0]![1]).toBe(name);
      let sent = Date.now();
      await vm.typeSerial(`${WRONG}\r`, 20);
      at = await vm.waitSerial(PROMPT, { from: at, timeoutMs: 120_000, what: 'the prompt again after the wrong passphrase' });
      timings.refusedSeconds = (Date.now() - sent) / 1000;
      expect(vm.serial()).toMatch(/Failed to activate with specified passphrase/);
      expect(vm.serial()).not.toMatch(/\(dm-\d+\): mounted filesystem/);
      sent = Date.now();
      await vm.typeSerial(`${PASSPHRASE}\r`, 20);
      at = await vm.waitSerial(/EXT4-fs \(dm-\d+\): mounted filesystem/, { from: at, timeoutMs: 120_000, what: 'the root mounted from the container' });
      timings.unlockSeconds = (Date.now() - sent) / 1000;
      at = await vm.waitSerial(/login: $/m, { from: at, timeoutMs: 120_000, what: 'the login prompt' });
      const report = /TINY-REPORT-BEGIN\n([\s\S]*?)\nTINY-REPORT-END/.exec(vm.serial())![1]!;
      expect(report).toContain('hostname=qa-crypt');
      expect(report).toMatch(new RegExp(`^root=/dev/mapper/${name} / ext4 `, 'm'));
      expect(report).toMatch(new RegExp(`^fstab=UUID=${planned.fsUuid}\\s+/\\s+ext4\\s`, 'm'));
      expect(report).toMatch(new RegExp(`^fstab-boot=UUID=${planned.bootUuid}\\s+/boot\\s+ext4\\s`, 'm'));
      expect(report).toMatch(new RegExp(`^crypttab=${name}\\s+UUID=${planned.luksUuid}\\s+none\\s+luks,discard$`, 'm'));
      await vm.typeSerial('alice\r');
      at = await vm.waitSerial(/Password: $/m, { from: at, timeoutMs: 60_000, what: 'the password prompt' });
      await vm.typeSerial(`${PASSWORD}\r`, 20);
      at = await vm.waitSerial(/\$ $/m, { from: at, timeoutMs: 60_000, what: "alice's shell" });
      await vm.typeSerial('echo "logged-in $(id -un) $(id -u)"; exit\r', 10);
      await vm.waitSerial(/TINY-LOGIN-ENDED/, { from: at, timeoutMs: 60_000, what: 'the end of the login' });
      timings.loginEndedAt = vm.elapsed();
      expect(vm.serial()).toMatch(/logged-in alice 1000/);
      expect(prompts()).toHaveLength(2);
      expect(vm.serial()).not.toContain(PASSPHRASE);
    } finally {
      await vm.stop();
    }
  }, 600_000);

  it('negative control: a boot that does not unlock (rd.luks=0) asks nothing and does not find the root', async () => {
    if (!planned) throw new Error('the install did not run');
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd, '-drive', `file=${target},format=raw,if=virtio,snapshot=on`,
        '-append', `rd.luks=0 rd.timeout=10 root=UUID=${planned.fsUuid} rootfstype=ext4 rd.driver.pre=ext4 init=/usr/lib/tiny/boot-report console=ttyS0,115200 panic=1 rd.shell=0`],
      until: /Dependency failed for .*sysroot\.mount|TINY-REPORT-BEGIN/,
      stopOn: /Kernel panic/,
      timeoutMs: 300_000,
      logFile: join(LOGS, 'autoinstall-encrypted-no-unlock.serial.log'),
    });
    timings.noUnlockSeconds = res.seconds;
    expect(res.matched).toBe(true);
    expect(res.log).toMatch(/Timed out waiting for device/);
    expect(res.log).not.toMatch(/TINY-REPORT-BEGIN|Please enter passphrase/);
  }, 600_000);

  it('leaves no loop device behind', async () => {
    expect(await loopsBacking([target, answers])).toEqual([]);
  });
});
