import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineFacts, SysrootInfo } from '../../electron/shared/facts.ts';
import { grubPlatform } from '../../electron/engine/plan/bootloader.ts';
import { fstabContent, needsLocaleGen } from '../../electron/engine/plan/etc-files.ts';
import { diskLayout, PART_TYPES, vfatVolumeId } from '../../electron/engine/plan/layout.ts';
import { plan, type PlanResult } from '../../electron/engine/plan/plan.ts';
import { WEIGHTS } from '../../electron/engine/plan/steps.ts';
import { autoSwapBytes, swapBytesFor } from '../../electron/engine/plan/swap.ts';
import type { Action, Plan } from '../../electron/shared/plan.ts';
import { answers, biosMachine, desktopSysroot, GiB, imageDisk, planEnv, SECRET, uefiMachine } from './plan-helpers.ts';

const MiB = 1024 * 1024;
const ok = (r: PlanResult): Plan => {
  if (!r.ok) throw new Error(`expected a plan: ${JSON.stringify(r)}`);
  return r.plan;
};
const fail = (r: PlanResult) => {
  if (r.ok) throw new Error('expected no plan');
  return r;
};
const problemCodes = (r: PlanResult) => fail(r).problems.map((p) => p.code);
const runs = (p: Plan) => p.steps.flatMap((s) => s.actions).filter((a): a is Extract<Action, { kind: 'run' }> => a.kind === 'run');
const withTools = (tools: Partial<SysrootInfo['tools']>, over: Partial<SysrootInfo> = {}): SysrootInfo => {
  const s = desktopSysroot();
  return { ...s, ...over, tools: { ...s.tools, ...tools } };
};

describe('swap sizes', () => {
  it('auto: 2×RAM up to 2 GiB, RAM up to 8 GiB, then 8 GiB; capped at 5 % of the root space; none below 256 MiB', () => {
    const big = 1000 * GiB;
    expect(autoSwapBytes(1 * GiB, big)).toBe(2 * GiB);
    expect(autoSwapBytes(2 * GiB, big)).toBe(4 * GiB);
    expect(autoSwapBytes(4 * GiB, big)).toBe(4 * GiB);
    expect(autoSwapBytes(8 * GiB, big)).toBe(8 * GiB);
    expect(autoSwapBytes(64 * GiB, big)).toBe(8 * GiB);
    expect(autoSwapBytes(16 * GiB, 40 * GiB)).toBe(2 * GiB);
    expect(autoSwapBytes(4 * GiB, 20 * GiB)).toBe(1 * GiB);
    expect(autoSwapBytes(4 * GiB, 5 * GiB)).toBe(256 * MiB);
    expect(autoSwapBytes(4 * GiB, 4 * GiB)).toBe(0);
    expect(autoSwapBytes(3 * GiB + 12345, big) % MiB).toBe(0);
  });

  it('none, a size (rounded down to MiB), a bad size', () => {
    expect(swapBytesFor('none', 4 * GiB, 100 * GiB)).toBe(0);
    expect(swapBytesFor('4GiB', 4 * GiB, 100 * GiB)).toBe(4 * GiB);
    expect(swapBytesFor('1000000000', 4 * GiB, 100 * GiB)).toBe(953 * MiB);
    expect(() => swapBytesFor('lots', 4 * GiB, 100 * GiB)).toThrow();
  });

  it('in a plan: a bad size is a problem on target.swap; none means no swap step and no fstab line', () => {
    const bad = fail(plan(answers({ target: { disk: '/dev/vdb', swap: 'lots' } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(bad.problems).toContainEqual(expect.objectContaining({ path: 'target.swap', code: 'plan:problem.swap-size' }));
    const p = ok(plan(answers({ target: { disk: '/dev/vdb', swap: 'none' } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(p.partitions.find((x) => x.role === 'root')!.fs!.swapFile).toBeUndefined();
    expect(p.steps.map((s) => s.id)).not.toContain('swap');
    expect(JSON.stringify(p)).not.toContain('swapfile');
  });
});

describe('the initramfs step', () => {
  it('makes every kernel\'s image anew with the target\'s own tool: a sysroot may carry none, and -u would then do nothing', () => {
    const initramfsRuns = (tool: NonNullable<SysrootInfo['tools']['initramfs']>) =>
      ok(plan(answers(), uefiMachine(), withTools({ initramfs: tool, setupcon: false }), planEnv())).steps.find((s) => s.id === 'initramfs')!.actions;
    expect(initramfsRuns('update-initramfs')).toEqual([{ kind: 'run', argv: ['update-initramfs', '-c', '-k', 'all'], chroot: true }]);
    expect(initramfsRuns('dracut')).toEqual([{ kind: 'run', argv: ['dracut', '--force', '--regenerate-all'], chroot: true }]);
    expect(initramfsRuns('mkinitcpio')).toEqual([{ kind: 'run', argv: ['mkinitcpio', '-P'], chroot: true }]);
  });

  it('refreshes console-setup\'s keymap cache from the chosen layout first, where the target has setupcon', () => {
    const argvs = ok(plan(answers(), uefiMachine(), withTools({ initramfs: 'update-initramfs', setupcon: true }), planEnv()))
      .steps.find((s) => s.id === 'initramfs')!.actions.map((a) => (a.kind === 'run' ? a.argv.join(' ') : a.kind));
    expect(argvs).toEqual(['find /etc/console-setup -maxdepth 1 -name cached_* -delete', 'setupcon --save-only', 'update-initramfs -c -k all']);
  });
});

describe('steps', () => {
  const p = ok(plan(answers(), uefiMachine(), desktopSysroot(), planEnv()));

  it('come in the documented order, labelled plan:step.<id>, with the copy dominant', () => {
    expect(p.steps.map((s) => s.id)).toEqual([
      'partition', 'format', 'mount', 'copy', 'fstab', 'hostname', 'locale', 'keyboard', 'timezone', 'rtc',
      'user', 'machine-id', 'swap', 'initramfs', 'bootloader', 'log', 'unmount', 'check',
    ]);
    for (const s of p.steps) expect(s.label).toBe(`plan:step.${s.id}`);
    const total = p.steps.reduce((n, s) => n + s.weight, 0);
    expect(p.steps.find((s) => s.id === 'copy')!.weight / total).toBeGreaterThan(0.6);
  });

  it('wipes then partitions {disk} through sfdisk on stdin, then creates the partition nodes', () => {
    const part = p.steps.find((s) => s.id === 'partition')!.actions;
    expect(part[0]).toEqual({ kind: 'run', argv: ['wipefs', '-a', '{disk}'] });
    expect(part[1]).toMatchObject({ argv: ['sfdisk', '--wipe', 'always', '--wipe-partitions', 'always', '{disk}'] });
    expect((part[1] as { stdin: string }).stdin).toMatch(/^label: gpt\nsize=512MiB, type=C12A7328/);
    expect(part[2]).toEqual({ kind: 'settle-partitions' });
  });

  it('binds /dev, /proc, /sys, /run only after the copy and before the first chroot command', () => {
    const flat = p.steps.flatMap((s) => s.actions);
    const copyAt = flat.findIndex((a) => a.kind === 'copy');
    const firstChroot = flat.findIndex((a) => a.kind === 'run' && a.chroot);
    const binds = flat.map((a, i) => [a, i] as const).filter(([a]) => a.kind === 'mount' && a.bind);
    expect(binds.map(([a]) => (a as { source: string }).source)).toEqual(['/dev', '/proc', '/sys', '/run', '/sys/firmware/efi/efivars']);
    for (const [, i] of binds.slice(0, 4)) {
      expect(i).toBeGreaterThan(copyAt);
      expect(i).toBeLessThan(firstChroot);
    }
  });

  it('uses placeholders for devices, never a concrete partition path, when a disk is erased', () => {
    // The steps run on the partitions as they will be named then; only the effects, said to a person, name them.
    const json = JSON.stringify(p.steps);
    expect(json).not.toMatch(/\/dev\/vdb\d/);
    expect(json).toContain('{part:root}');
    expect(json).toContain('{part:esp}');
    expect(p.erase).toEqual({ path: '/dev/vdb', model: 'QEMU HARDDISK', sizeBytes: 20 * GiB, image: false });
  });

  it('fstab names every filesystem by the UUID the format step gives it', () => {
    const fstab = p.steps.find((s) => s.id === 'fstab')!.actions[0] as { content: string };
    const mkfsExt4 = runs(p).find((a) => a.argv[0] === 'mkfs.ext4')!.argv;
    const rootUuid = mkfsExt4[mkfsExt4.indexOf('-U') + 1]!;
    const volid = runs(p).find((a) => a.argv[0] === 'mkfs.vfat')!.argv.at(-2)!;
    expect(fstab.content).toContain(`UUID=${rootUuid}\t/\text4`);
    expect(fstab.content).toContain(`UUID=${volid.slice(0, 4)}-${volid.slice(4)}\t/boot/efi\tvfat`);
  });

  it('weights exist for every step id', () => {
    for (const w of Object.values(WEIGHTS)) expect(w).toBeGreaterThan(0);
  });
});

describe('the truth about the target', () => {
  const stepOf = (p: Plan, id: string) => p.steps.find((s) => s.id === id)?.actions;

  it('the copy is followed by a syncfs of the target (writes it refused surface there) and a check it is still the disk planned for', () => {
    const p = ok(plan(answers(), uefiMachine(), desktopSysroot(), planEnv()));
    expect(stepOf(p, 'copy')!.slice(1)).toEqual([{ kind: 'run', argv: ['sync', '-f', p.targetRoot] }, { kind: 'verify-target' }]);
    expect(stepOf(p, 'log')!.at(-1)).toEqual({ kind: 'run', argv: ['sync', '-f', p.targetRoot] });
  });

  it('done only after a read-only check of each filesystem made, unmounted, on the target still planned for', () => {
    const disk = ok(plan(answers(), uefiMachine(), desktopSysroot(), planEnv()));
    expect(disk.steps.slice(-2).map((s) => s.id)).toEqual(['unmount', 'check']);
    expect(stepOf(disk, 'unmount')).toEqual([{ kind: 'release' }]);
    expect(stepOf(disk, 'check')).toEqual([
      { kind: 'run', argv: ['fsck.vfat', '-n', '{part:esp}'], failCode: 'fs-check-failed' },
      { kind: 'run', argv: ['e2fsck', '-f', '-n', '{part:root}'], failCode: 'fs-check-failed' },
      { kind: 'verify-target' },
    ]);
    const xfs = ok(plan(answers({ target: { disk: '/dev/vdb', filesystem: 'xfs' } }), biosMachine(), desktopSysroot(), planEnv()));
    expect(runs(xfs).filter((r) => r.failCode).map((r) => r.argv)).toEqual([['xfs_repair', '-n', '{part:root}']]);
  });

  it('an image stays attached while its filesystems are checked, then is detached', () => {
    const m = { ...uefiMachine(), disks: [...uefiMachine().disks, imageDisk()] };
    const p = ok(plan(answers({ target: { disk: imageDisk().path, filesystem: 'btrfs' } }), m, desktopSysroot(), planEnv()));
    expect(p.steps.slice(-3).map((s) => s.id)).toEqual(['unmount', 'check', 'detach']);
    expect(stepOf(p, 'unmount')).toEqual([{ kind: 'release', keepDevices: true }]);
    expect(runs(p).filter((r) => r.failCode).map((r) => r.argv)).toEqual([['fsck.vfat', '-n', '{part:esp}'], ['btrfs', 'check', '--readonly', '{part:root}']]);
    expect(stepOf(p, 'detach')).toEqual([{ kind: 'release' }]);
  });

  it('a kept ESP (installing into partitions) is another system\'s: not checked', () => {
    const p = ok(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p1' } } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(runs(p).filter((r) => r.failCode).map((r) => r.argv)).toEqual([['e2fsck', '-f', '-n', '{part:root}']]);
  });
});

describe('secrets', () => {
  it('neither the password nor its hash ever appear in the plan; chpasswd reads them from stdin at run time', () => {
    for (const user of [
      { name: 'alice', password: SECRET },
      { name: 'alice', 'password-hash': `$6$${SECRET}` },
    ]) {
      const p = ok(plan(answers({ user }), uefiMachine(), desktopSysroot(), planEnv()));
      const json = JSON.stringify(p);
      expect(json).not.toContain(SECRET);
      const chpasswd = runs(p).find((a) => a.argv[0] === 'chpasswd')!;
      expect(chpasswd.stdinSecret).toEqual({
        ref: 'password' in user ? 'user.password' : 'user.password-hash',
        template: 'alice:{secret}\n',
      });
      expect(p.answers.user).toEqual({ name: 'alice', password: 'password' in user ? 'set' : 'hashed', admin: true, autologin: false });
      for (const a of runs(p)) expect(a.argv.join(' ')).not.toContain(SECRET);
    }
  });

  it('no password: the account is created without chpasswd', () => {
    const p = ok(plan(answers({ user: { name: 'alice' } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(runs(p).some((a) => a.argv[0] === 'chpasswd')).toBe(false);
    expect(p.answers.user.password).toBe('none');
  });
});

describe('bootloader', () => {
  it('auto with a sysroot without GRUB is a problem that says to use bootloader: none', () => {
    const { grub: _g, ...tools } = desktopSysroot().tools;
    const r = fail(plan(answers(), uefiMachine(), { ...desktopSysroot(), tools }, planEnv()));
    expect(r.problems).toEqual([expect.objectContaining({ path: 'bootloader', code: 'plan:problem.no-grub' })]);
    expect(r.problems[0]!.message).toMatch(/bootloader: none/);
  });

  it('none with the same sysroot plans no bootloader step (the ESP is still made and in fstab)', () => {
    const { grub: _g, ...tools } = desktopSysroot().tools;
    const p = ok(plan(answers({ bootloader: 'none' }), uefiMachine(), { ...desktopSysroot(), tools }, planEnv()));
    expect(p.steps.map((s) => s.id)).not.toContain('bootloader');
    expect(runs(p).some((a) => a.argv[0]!.startsWith('grub'))).toBe(false);
    expect(p.partitions.map((x) => x.role)).toEqual(['esp', 'root']);
  });

  it('GRUB modules for the platform must be in the sysroot', () => {
    expect(problemCodes(plan(answers(), uefiMachine(), withTools({ grubPlatforms: ['i386-pc'] }), planEnv()))).toEqual([
      'plan:problem.no-grub-platform',
    ]);
    expect(ok(plan(answers(), biosMachine(), withTools({ grubPlatforms: ['i386-pc'] }), planEnv())).firmware).toBe('bios');
  });

  it('grub2-named tools, and LoongArch UEFI', () => {
    const p = ok(plan(answers(), uefiMachine(), withTools({ grub: 'grub2' }), planEnv()));
    expect(runs(p).find((a) => a.argv[0] === 'grub2-install')!.argv).toContain('--target=x86_64-efi');
    expect(runs(p).find((a) => a.argv[0] === 'grub2-mkconfig')!.argv).toEqual(['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']);
    const loong: MachineFacts = { ...uefiMachine(), arch: 'loong64' };
    const q = ok(plan(answers(), loong, withTools({ grubPlatforms: ['loongarch64-efi'] }), planEnv()));
    expect(runs(q).find((a) => a.argv[0] === 'grub-install')!.argv).toContain('--target=loongarch64-efi');
    expect(grubPlatform('loong64', 'bios')).toBeUndefined();
    expect(problemCodes(plan(answers({ target: { disk: '/dev/vdb', layout: 'mbr-bios' } }), loong, desktopSysroot(), planEnv()))).toEqual([
      'plan:problem.firmware-unsupported',
    ]);
  });

  it('a UEFI image gets --removable --no-nvram; a UEFI disk on a UEFI machine does not', () => {
    const m = { ...uefiMachine(), disks: [...uefiMachine().disks, imageDisk()] };
    const img = ok(plan(answers({ target: { disk: '/var/tmp/vm.img' } }), m, desktopSysroot(), planEnv()));
    expect(img.steps[0]!.actions).toEqual([{ kind: 'attach-image', image: '/var/tmp/vm.img' }]);
    expect(img.erase).toMatchObject({ image: true });
    expect(runs(img).find((a) => a.argv[0] === 'grub-install')!.argv.slice(-2)).toEqual(['--removable', '--no-nvram']);
    const disk = ok(plan(answers(), uefiMachine(), desktopSysroot(), planEnv()));
    expect(runs(disk).find((a) => a.argv[0] === 'grub-install')!.argv).not.toContain('--removable');
  });
});

describe('installing into existing partitions', () => {
  it('formats root, keeps the ESP (no mkfs.vfat), mounts it at /boot/efi with its existing UUID', () => {
    const p = ok(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p1' } } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(p.erase).toBeUndefined();
    expect(p.steps.map((s) => s.id)).not.toContain('partition');
    expect(runs(p).some((a) => a.argv[0] === 'mkfs.vfat' || a.argv[0] === 'wipefs' || a.argv[0] === 'sfdisk')).toBe(false);
    expect(p.partitions).toEqual([
      { role: 'esp', device: '/dev/nvme0n1p1', sizeBytes: 512 * MiB, fs: { type: 'vfat', uuid: '7A3C-11F2', format: false, mountpoint: '/boot/efi' } },
      expect.objectContaining({ role: 'root', device: '/dev/nvme0n1p3', fs: expect.objectContaining({ type: 'ext4', format: true, mountpoint: '/' }) }),
    ]);
  });

  it('refuses a missing ESP on UEFI, an ESP that is not FAT, an unknown partition', () => {
    expect(problemCodes(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3' } } }), uefiMachine(), desktopSysroot(), planEnv()))).toEqual([
      'plan:problem.esp-missing',
    ]);
    expect(
      problemCodes(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p2' } } }), uefiMachine(), desktopSysroot(), planEnv())),
    ).toEqual(['plan:problem.esp-not-vfat']);
    const r = fail(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p9', efi: '/dev/nvme0n1p1' } } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(r.refusals).toEqual([{ disk: '/dev/nvme0n1p9', refusals: [{ code: 'not-found', params: { device: '/dev/nvme0n1p9' } }] }]);
  });

  it('refuses a GPT disk without a BIOS boot partition when GRUB is to be installed for BIOS', () => {
    const m = { ...uefiMachine(), firmware: 'bios' as const };
    expect(problemCodes(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3' } } }), m, desktopSysroot(), planEnv()))).toEqual([
      'plan:problem.bios-boot-missing',
    ]);
    expect(ok(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3' } }, bootloader: 'none' }), m, desktopSysroot(), planEnv())).steps.map((s) => s.id)).not.toContain('bootloader');
    const withBiosBoot = { ...m, disks: m.disks.map((d) => ({ ...d, partitions: d.partitions.map((p) => (p.path === '/dev/nvme0n1p2' ? { ...p, parttype: PART_TYPES.biosBoot.toLowerCase(), fstype: undefined } : p)) })) };
    expect(ok(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3' } } }), withBiosBoot, desktopSysroot(), planEnv())).steps.map((s) => s.id)).toContain('bootloader');
  });

  it('refuses a root partition that is mounted or too small', () => {
    const m = uefiMachine();
    m.disks[1]!.partitions[2]!.mountpoints = ['/mnt'];
    const r = fail(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p1' } } }), m, desktopSysroot(), planEnv()));
    expect(r.refusals[0]!.refusals.map((x) => x.code)).toEqual(['mounted']);
    const huge = { ...desktopSysroot(), sizeBytes: 200 * GiB };
    const s = fail(plan(answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p1' } } }), uefiMachine(), huge, planEnv()));
    expect(s.refusals[0]!.refusals.map((x) => x.code)).toEqual(['too-small']);
  });
});

describe('refused targets and other problems', () => {
  it('the Live medium disk, an unknown disk, a disk too small for the variant', () => {
    expect(fail(plan(answers({ target: { disk: '/dev/sda' } }), uefiMachine(), desktopSysroot(), planEnv())).refusals).toEqual([
      {
        disk: '/dev/sda',
        refusals: [
          { code: 'live-medium', params: { device: '/dev/sda' } },
          { code: 'mounted', params: { device: '/dev/sda1', mountpoint: '/run/livekit/medium' } },
        ],
      },
    ]);
    expect(fail(plan(answers({ target: { disk: '/dev/sdq' } }), uefiMachine(), desktopSysroot(), planEnv())).refusals[0]!.refusals).toEqual([
      { code: 'not-found', params: { device: '/dev/sdq' } },
    ]);
    const small = fail(plan(answers({ target: { disk: '/dev/sdc' } }), uefiMachine(), desktopSysroot(), planEnv()));
    expect(small.refusals[0]!.refusals[0]).toMatchObject({ code: 'too-small', params: { needBytes: 6 * GiB * 1.25 + 512 * MiB } });
  });

  it('the size rule counts the swap: a disk that fits without swap is refused with a big one', () => {
    const sysroot = { ...desktopSysroot(), sizeBytes: 12 * GiB };
    expect(plan(answers({ target: { disk: '/dev/vdb', swap: 'none' } }), uefiMachine(), sysroot, planEnv()).ok).toBe(true);
    expect(fail(plan(answers({ target: { disk: '/dev/vdb', swap: '8GiB' } }), uefiMachine(), sysroot, planEnv())).refusals[0]!.refusals[0]!.code).toBe(
      'too-small',
    );
  });

  it('no target, a Live-only variant, an existing user, a sysroot without useradd', () => {
    expect(problemCodes(plan(answers({ target: {} }), uefiMachine(), desktopSysroot(), planEnv()))).toEqual(['plan:problem.no-target']);
    expect(problemCodes(plan(answers(), uefiMachine(), { ...desktopSysroot(), installable: false }, planEnv()))).toEqual([
      'plan:problem.not-installable',
    ]);
    expect(problemCodes(plan(answers({ user: { name: 'daemon', password: 'x' } }), uefiMachine(), desktopSysroot(), planEnv()))).toEqual([
      'plan:problem.user-exists',
    ]);
    expect(problemCodes(plan(answers(), uefiMachine(), withTools({ useradd: false, chpasswd: false }), planEnv()))).toEqual([
      'plan:problem.no-useradd',
      'plan:problem.no-chpasswd',
    ]);
  });
});

describe('locale', () => {
  it('answers.locale wins; else LANG= from the cmdline; else en_US.UTF-8', () => {
    expect(ok(plan(answers({ locale: 'zh_TW.UTF-8' }), uefiMachine(), desktopSysroot(), planEnv())).locale).toBe('zh_TW.UTF-8');
    expect(ok(plan(answers({ locale: undefined }), uefiMachine(), desktopSysroot(), planEnv())).locale).toBe('zh_CN.UTF-8');
    expect(ok(plan(answers({ locale: undefined }), biosMachine(), desktopSysroot(), planEnv())).locale).toBe('en_US.UTF-8');
  });

  it('locale-gen only when the target has it and the locale is not generated yet', () => {
    const gen = (locale: string, sysroot = desktopSysroot()) =>
      runs(ok(plan(answers({ locale }), uefiMachine(), sysroot, planEnv()))).some((a) => a.argv[0] === 'locale-gen');
    expect(gen('zh_CN.UTF-8')).toBe(true);
    expect(gen('en_US.UTF-8')).toBe(false);
    expect(gen('C.UTF-8')).toBe(false);
    expect(gen('zh_CN.UTF-8', withTools({ localeGen: false }))).toBe(false);
    expect(needsLocaleGen('en_US.utf8', ['en_US.UTF-8'])).toBe(false);
  });

  it('/etc/default/locale only for Debian-family targets', () => {
    const paths = (osRelease: Record<string, string>) =>
      ok(plan(answers(), uefiMachine(), { ...desktopSysroot(), osRelease }, planEnv()))
        .steps.find((s) => s.id === 'locale')!
        .actions.flatMap((a) => (a.kind === 'write-file' ? [a.path] : []));
    expect(paths({ ID: 'debian' })).toContain('/run/livekit/target/etc/default/locale');
    expect(paths({ ID: 'ubuntu', ID_LIKE: 'debian' })).toContain('/run/livekit/target/etc/default/locale');
    expect(paths({ ID: 'aosc' })).toEqual(['/run/livekit/target/etc/locale.conf', '/run/livekit/target/etc/locale.gen']);
  });
});

describe('pieces', () => {
  it('layouts leave the measured room: 1 MiB in front, 1 MiB at the end on GPT', () => {
    // Measured on a 1 GiB loop disk with sfdisk 2.38: ESP 512 MiB, root 510 MiB.
    expect(diskLayout('gpt-uefi', GiB, 'ext4', { root: 'r' }).partitions.map((p) => p.sizeBytes)).toEqual([512 * MiB, 510 * MiB]);
    // MBR: 256 MiB disk → a 255 MiB partition.
    expect(diskLayout('mbr-bios', 256 * MiB, 'ext4', { root: 'r' }).partitions[0]!.sizeBytes).toBe(255 * MiB);
  });

  it('FAT volume ids', () => {
    expect(vfatVolumeId('0b7e8f2a-1c3d-4e5f-8a9b-c0d1e2f3a4b5')).toEqual({ volid: 'E2F3A4B5', uuid: 'E2F3-A4B5' });
  });

  it('fstab for btrfs mounts the subvolumes by the same UUID', () => {
    expect(fstabContent({ filesystem: 'btrfs', rootUuid: 'U', swapFile: '/swap/swapfile' })).toContain('UUID=U\t/swap\tbtrfs\tsubvol=@swap');
  });

  it('every step, refusal and problem the planner emits is translated in en, zh-CN and zh-TW', () => {
    const locales = ['en', 'zh-CN', 'zh-TW'].map((l) =>
      JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'locales', l, 'plan.json'), 'utf8')) as Record<string, Record<string, string>>,
    );
    const src = ['plan.ts', 'steps.ts'].map((f) => readFileSync(join(import.meta.dirname, '..', '..', 'electron', 'engine', 'plan', f), 'utf8')).join('\n');
    // The encryption rule is shared with the wizard (shared/encryption.ts): its findings are the plan's problems.
    const shared = readFileSync(join(import.meta.dirname, '..', '..', 'electron', 'shared', 'encryption.ts'), 'utf8');
    const problemKeys = [...src.matchAll(/problem\([^,]+,\s*'([a-z-]+)'/g), ...shared.matchAll(/code: '([a-z-]+)'/g)].map((m) => m[1]!);
    expect(problemKeys.length).toBeGreaterThan(10);
    const refusalKeys = ['live-medium', 'mounted', 'swap', 'read-only', 'too-small', 'optical', 'zram', 'ram', 'empty', 'not-found', 'in-use', 'no-room'];
    for (const l of locales) {
      for (const id of Object.keys(WEIGHTS)) expect(l.step![id], id).toBeTruthy();
      for (const k of refusalKeys) expect(l.refusal![k], k).toBeTruthy();
      for (const k of problemKeys) expect(l.problem![k], k).toBeTruthy();
      expect(Object.keys(l.problem!).sort()).toEqual([...new Set(problemKeys)].sort());
    }
  });
});

describe('encryption needs of the variant (shared/encryption.ts: the wizard says the same)', () => {
  const enc = answers({ encryption: { passphrase: SECRET } });
  it('refuses a variant without cryptsetup, and one with a kernel whose initramfs cannot ask for the passphrase', () => {
    const r = fail(plan(enc, uefiMachine(), withTools({ cryptsetup: false, initramfsCrypt: false, initramfs: 'update-initramfs' }), planEnv()));
    expect(r.problems.filter((p) => p.path === 'encryption')).toEqual([
      expect.objectContaining({ code: 'plan:problem.no-cryptsetup', params: { variant: 'desktop' } }),
      expect.objectContaining({ code: 'plan:problem.no-initramfs-crypt', params: { variant: 'desktop', package: 'cryptsetup-initramfs' } }),
    ]);
  });
  it("accepts a variant without a kernel (nothing asks at boot) once it carries cryptsetup, as the demo's", () => {
    const p = ok(plan(enc, uefiMachine(), withTools({ cryptsetup: true, initramfsCrypt: false, kernels: [] }), planEnv()));
    expect(p.effects.map((e) => e.kind)).toContain('encrypt');
    expect(p.answers.encryption).toBe('luks2');
  });
});
