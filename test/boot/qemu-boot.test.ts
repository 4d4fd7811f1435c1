// QEMU (TCG) boots of a medium built by the real build module (`tiny` recipe), with the Debian
// kernel and initramfs images that dracut builds with the LiveKit module: through GRUB from the
// hybrid image as an ISO (BIOS) and as a disk (UEFI), and straight from the kernel with the image
// on a virtual USB stick and a virtio disk; both the systemd and the shell initramfs; broken media.
// The guest's test init (scripts/mklive/image/99livekit-report) reports over the serial console.
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootKernel, buildImage, buildMedium, isRoot, NEEDS_ROOT, testInitrd } from './helpers/kit.ts';
import { OVMF_CODE, OVMF_VARS, parseReport, runQemu, type Report } from './helpers/qemu.ts';

const LABEL = 'LKTEST';
const SERIAL = 'console=ttyS0,115200';
const REPORT = 'livekit.report init=/livekit-report panic=1';
const SYSROOTS = ['base', 'desktop', 'server', 'desktop-nvidia', 'livekit'];
const HALTED = /reboot: System halted|reboot: Power down|Kernel panic/;
/** The message, then dracut's emergency shell (its banner or its prompt). */
const EMERGENCY = (message: RegExp) => new RegExp(`${message.source}[\\s\\S]*(Entering emergency mode|dracut:/#)`);

if (!isRoot) console.warn(`test/boot/qemu-boot: skipped (${NEEDS_ROOT})`);

describe.skipIf(!isRoot)('QEMU boots of a LiveKit medium (TCG)', () => {
  let work = '';
  let kernel = '';
  let initrd: Record<'systemd' | 'shell', string> = { systemd: '', shell: '' };
  let image = '';
  let medium = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'livekit-qemu-'));
    kernel = await bootKernel();
    initrd = { systemd: await testInitrd('systemd'), shell: await testInitrd('shell') };
    medium = join(work, 'medium');
    await buildMedium(medium);
    image = join(work, 'livekit.iso');
    await buildImage({ medium, kernel, initrd: initrd.systemd, out: image, label: LABEL, timeout: 4, cmdline: REPORT });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Serial logs outlive the run (the work dir does not), for a person reading a failure. */
  const LOGS = join(tmpdir(), 'livekit-boot-logs');
  mkdirSync(LOGS, { recursive: true });
  function log(name: string): string {
    return join(LOGS, `${name}.serial.log`);
  }

  /** What every successful boot must show: sysroots mounted read-only, the Live root, the locale. */
  function expectLiveRoot(report: Report | undefined, target: string, lang: string): void {
    expect(report, 'the guest printed no report').toBeDefined();
    const r = report as Report;
    expect(r.get('boot-target')).toEqual([target]);
    expect(r.get('root')[0]).toMatch(/^overlay rw/);
    expect(r.get('root-writable')).toEqual(['yes']);
    // The hybrid image must mount as ISO 9660 from a disk too (an HFS+ side once won the probe).
    expect(r.get('medium')).toEqual(['iso9660']);
    const mounted = r.get('sysroot').map((l) => l.split(' '));
    expect(mounted.map((m) => m[0]).sort()).toEqual([...SYSROOTS].sort());
    for (const m of mounted) expect(m[2]?.split(',')[0], `sysroot ${m[0]} must be read-only`).toBe('ro');
    expect(r.get('sysroots-link')).toEqual(['/run/livekit/sysroots']);
    expect(r.get('sysroot-dir').sort()).toEqual([...SYSROOTS].sort());
    expect(r.get('locale')[0]?.trim()).toBe(`LANG=${lang}`);
    expect(r.get('cmdline')[0]).toContain(`livekit.boot=${target}`);
    expect(r.get('cmdline')[0]).toContain(`LANG=${lang}`);
    // 01-/99-zz-livekit-layers.rules: the layers' loop devices were neither probed nor tagged for
    // systemd by the initramfs's udev (the hook reads its database before switch-root cleans it).
    const loops = r.get('layer-loop');
    expect(loops.length, 'no layer loop devices reported').toBeGreaterThanOrEqual(2);
    for (const l of loops) expect(l).toMatch(/^\S+\.(squashfs|erofs) marked=yes probed=no systemd-tag=no$/);
  }

  it('GRUB from the ISO (BIOS): 简体中文 chosen over the serial console gives the translated menu, then boots the Live sysroot in zh_CN', async () => {
    const res = await runQemu({
      args: ['-cdrom', image],
      keys: [
        { after: /繁體中文/, send: '\x1b[B' },      // down to 简体中文
        { after: /简体中文/, send: '\r' },          // choose it
        { after: /启动 Live 桌面/, send: '\r' },    // boot the first entry without waiting
      ],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('grub-zh_CN'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('grub-zh_CN')}`).toBe(false);
    // The translated boot menu, read from GRUB's UTF-8 serial output.
    for (const title of ['启动 Live 桌面', '启动 Live 桌面（NVIDIA 显卡）', '以安全图形模式启动 Live 桌面', '以文本模式启动', '本介质上的其他系统'])
      expect(res.log).toContain(title);
    expect(res.log).not.toContain('Start the Live desktop');
    expect(res.log).toContain('正在加载 Linux 内核');
    const report = parseReport(res.log);
    expectLiveRoot(report, 'livekit', 'zh_CN.UTF-8');
    expect(report?.get('cmdline')[0]).toContain(`root=livekit:CDLABEL=${LABEL}`);
    expect(report?.get('os-release')[0]).toContain('VARIANT="Live"');
  }, 420_000);

  it('USB stick (usb-storage), shell initramfs: livekit.boot=server with LANG=zh_CN.UTF-8', async () => {
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd.shell,
        '-append', `root=livekit:CDLABEL=${LABEL} livekit.boot=server LANG=zh_CN.UTF-8 ${SERIAL} ${REPORT} rd.shell=0`,
        '-device', 'qemu-xhci', '-drive', `if=none,id=stick,format=raw,snapshot=on,file=${image}`,
        '-device', 'usb-storage,drive=stick'],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('usb-shell'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('usb-shell')}`).toBe(false);
    const report = parseReport(res.log);
    expectLiveRoot(report, 'server', 'zh_CN.UTF-8');
    expect(report?.get('os-release')[0]).toContain('VARIANT="Server"');
    // No systemd in this initramfs: dracut's shell init did the boot.
    expect(res.log).not.toMatch(/systemd\[1\]: .*initrd/i);
  }, 420_000);

  it('BIOS (SeaBIOS), the hybrid image as a USB stick: GRUB from the stick, English, the first entry', async () => {
    // No -kernel: the firmware reads the stick's MBR, GRUB (i386-pc) finds the ISO 9660 tree by its
    // label and boots the kernel and the systemd initramfs the image carries. Enter is pressed as a
    // person would. The stick sits on EHCI: behind QEMU's xHCI, GRUB's BIOS menu froze under TCG here
    // (neither keys nor the countdown), a SeaBIOS/QEMU matter this test does not settle.
    const res = await runQemu({
      args: ['-device', 'usb-ehci,id=ehci', '-drive', `if=none,id=stick,format=raw,snapshot=on,file=${image}`,
        '-device', 'usb-storage,bus=ehci.0,drive=stick,bootindex=0'],
      keys: [
        { after: /繁體中文/, send: '\r' },     // the language menu drawn: English is the default
        { after: /Start the Live desktop/, send: '\r' },
      ],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('usb-bios-grub'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('usb-bios-grub')}`).toBe(false);
    expect(res.log).toContain('Start the Live desktop');
    const report = parseReport(res.log);
    expectLiveRoot(report, 'livekit', 'en_US.UTF-8');
    expect(report?.get('cmdline')[0]).toContain(`root=livekit:CDLABEL=${LABEL}`);
  }, 420_000);

  it('virtio disk, systemd initramfs: livekit.boot=desktop with LANG=zh_CN.UTF-8', async () => {
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd.systemd,
        '-append', `root=livekit:CDLABEL=${LABEL} livekit.boot=desktop LANG=zh_CN.UTF-8 ${SERIAL} ${REPORT} rd.shell=0`,
        '-drive', `if=virtio,format=raw,snapshot=on,file=${image}`],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('virtio-systemd'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('virtio-systemd')}`).toBe(false);
    const report = parseReport(res.log);
    expectLiveRoot(report, 'desktop', 'zh_CN.UTF-8');
    expect(report?.get('os-release')[0]).toContain('VARIANT="Desktop"');
  }, 420_000);

  it('UEFI (OVMF): the hybrid image as a disk boots through GRUB with the default language and entry', async () => {
    const vars = join(work, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    const res = await runQemu({
      args: ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`,
        '-drive', `if=virtio,format=raw,snapshot=on,file=${image}`],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('uefi-disk'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('uefi-disk')}`).toBe(false);
    expect(res.log).toContain('Start the Live desktop');
    expectLiveRoot(parseReport(res.log), 'livekit', 'en_US.UTF-8');
  }, 420_000);

  /** A copy of the medium, broken by `breakIt`, on an ext4 disk image labelled `label`. */
  async function brokenDisk(name: string, label: string, breakIt: (livekit: string) => void): Promise<string> {
    const dir = join(work, name);
    cpSync(join(medium, 'livekit'), join(dir, 'livekit'), { recursive: true });
    breakIt(join(dir, 'livekit'));
    const disk = join(work, `${name}.img`);
    await execa('mkfs.ext4', ['-q', '-L', label, '-d', dir, disk, '64M']);
    return disk;
  }

  it("an --aosc medium boots with AOSC's root=aosc-livekit:CDLABEL= (a \\x20 in the label), livekit.boot=base, its locale hook", async () => {
    // mklive --aosc: base out of SYSROOT_LAYERS (composed all the same), livekit/hooks/10-locale.sh.
    const dir = join(work, 'aosc');
    await buildMedium(dir, 'tiny', ['--aosc', '--separate', 'estimate']);
    const disk = join(work, 'aosc.img');
    await execa('mkfs.ext4', ['-q', '-L', 'LK AOSC', '-d', dir, disk, '64M']);
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd.systemd,
        '-append', `root=aosc-livekit:CDLABEL=LK\\x20AOSC livekit.boot=base LANG=zh_TW.UTF-8 ${SERIAL} ${REPORT} rd.shell=0`,
        '-drive', `if=virtio,format=raw,snapshot=on,file=${disk}`],
      until: /LIVEKIT-REPORT-END/,
      stopOn: HALTED,
      timeoutMs: 360_000,
      logFile: log('aosc-virtio-systemd'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('aosc-virtio-systemd')}`).toBe(false);
    const r = parseReport(res.log)!;
    expect(r, 'the guest printed no report').toBeDefined();
    expect(r.get('boot-target')).toEqual(['base']);
    expect(r.get('sysroot').map((l) => l.split(' ')[0]).sort()).toEqual([...SYSROOTS].sort());
    expect(r.get('medium')).toEqual(['ext4']);
    expect(r.get('livemnt')).toEqual(['ext4']);
    expect(r.get('locale')[0]?.trim()).toBe('LANG=zh_TW.UTF-8');
    expect(r.get('root-writable')).toEqual(['yes']);
    expect(r.get('cmdline')[0]).toContain('root=aosc-livekit:CDLABEL=LK\\x20AOSC');
  }, 420_000);

  it('GRUB from an --aosc image (BIOS, ISO): the menu boots with root=aosc-livekit:, base composed though unlisted', async () => {
    const dir = join(work, 'aosc-grub');
    await buildMedium(dir, 'tiny', ['--aosc', '--separate', 'estimate']);
    const iso = join(work, 'aosc.iso');
    await buildImage({ medium: dir, kernel, initrd: initrd.systemd, out: iso, label: 'LKAOSC', timeout: 1, cmdline: REPORT, aosc: true });
    const res = await runQemu({
      args: ['-cdrom', iso],
      keys: [{ after: /繁體中文/, send: '\r' }, { after: /Start the Live desktop/, send: '\r' }],
      until: /LIVEKIT-REPORT-END/,
      timeoutMs: 360_000,
      logFile: log('aosc-grub'),
    });
    expect(res.timedOut, `no report in time; serial log: ${log('aosc-grub')}`).toBe(false);
    const report = parseReport(res.log);
    expectLiveRoot(report, 'livekit', 'en_US.UTF-8');
    expect(report?.get('cmdline')[0]).toContain('root=aosc-livekit:CDLABEL=LKAOSC');
  }, 420_000);

  it('a missing layer file stops the systemd initramfs in the emergency shell, saying which file', async () => {
    const disk = await brokenDisk('no-layer', 'LKNOLAYER', (lk) => unlinkSync(join(lk, 'layers/desktop-common.squashfs')));
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd.systemd,
        // No rd.shell: the emergency shell is the default (dracut's die would halt without it).
        '-append', `root=livekit:LABEL=LKNOLAYER ${SERIAL} ${REPORT}`, '-drive', `if=virtio,format=raw,snapshot=on,file=${disk}`],
      until: EMERGENCY(/LiveKit: layer file missing/),
      stopOn: HALTED,
      timeoutMs: 360_000,
      logFile: log('no-layer-systemd'),
    });
    expect(res.matched, `serial log: ${log('no-layer-systemd')}`).toBe(true);
    expect(res.log).toContain('LiveKit: layer file missing: livekit/layers/desktop-common.squashfs (layer desktop-common)');
    expect(res.log).not.toContain('LIVEKIT-REPORT-BEGIN');
  }, 420_000);

  it('a malformed livekit.conf stops the shell initramfs in the emergency shell, saying what is wrong', async () => {
    const disk = await brokenDisk('bad-conf', 'LKBADCONF', (lk) => {
      const conf = join(lk, 'livekit.conf');
      appendFileSync(conf, 'SYSROOT_LAYERS=(\n');
    });
    const res = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd.shell,
        '-append', `root=livekit:LABEL=LKBADCONF ${SERIAL} ${REPORT}`, '-drive', `if=virtio,format=raw,snapshot=on,file=${disk}`],
      until: EMERGENCY(/LiveKit: config malformed/),
      stopOn: HALTED,
      timeoutMs: 360_000,
      logFile: log('bad-conf-shell'),
    });
    expect(res.matched, `serial log: ${log('bad-conf-shell')}`).toBe(true);
    expect(res.log).toContain('LiveKit: config malformed: livekit/livekit.conf has a syntax error');
    expect(res.log).not.toContain('LIVEKIT-REPORT-BEGIN');
  }, 420_000);
});
