// The engine's side of issue 13 as pure logic: SHA-512 crypt and exported answers, keyboard and time zone
// defaults from the locale, livekit.boot=, power and memory warnings, which partitions may be root or ESP,
// what the OS probe may touch, the wizard session the service keeps, and the planner's account choices.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportAnswers } from '../../electron/engine/answers/export.ts';
import { hashPasswordsInWorker } from '../../electron/engine/answers/hash-worker.ts';
import { hashPassword, sha512Crypt } from '../../electron/engine/answers/sha512-crypt.ts';
import { bootSysrootFromCmdline } from '../../electron/engine/answers/locale.ts';
import { validateAnswers } from '../../electron/engine/answers/validate.ts';
import { isPasswordHash } from '../../electron/engine/answers/rules.ts';
import { LOW_RAM_BYTES, machineWarnings, powerState } from '../../electron/engine/disks/power.ts';
import { osNameOf, probeCandidates, windowsPartition } from '../../electron/engine/disks/os-probe.ts';
import { SessionStore, SessionTooLargeError, wizardSessionInput } from '../../electron/engine/service/session.ts';
import { plan } from '../../electron/engine/plan/plan.ts';
import { KEYBOARD_LAYOUTS, layoutForLocale, timezoneForLocale } from '../../electron/shared/keyboard.ts';
import { isEspCandidate, isRootCandidate } from '../../electron/shared/partitions.ts';
import type { DiskInfo, PartitionInfo, SysrootInfo } from '../../electron/shared/facts.ts';
import { answers, desktopSysroot, planEnv, uefiMachine } from './plan-helpers.ts';

describe('SHA-512 crypt', () => {
  it('matches the specification’s test vectors and openssl passwd -6', () => {
    expect(sha512Crypt('Hello world!', 'saltstring')).toBe('$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
    expect(sha512Crypt('Hello world!', 'saltstringsaltstring', 10000)).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
    for (const pw of ['correct horse battery staple', '密码很长的口令', 'x'.repeat(100)]) {
      const ours = sha512Crypt(pw, 'Ab3./xyz');
      // The password goes to openssl on stdin, never argv.
      const theirs = execFileSync('openssl', ['passwd', '-6', '-salt', 'Ab3./xyz', '-stdin'], { input: `${pw}\n` }).toString().trim();
      expect(ours).toBe(theirs);
    }
  });

  it('makes a fresh salt each time, in a format the validator accepts', () => {
    const a = hashPassword('secret');
    expect(isPasswordHash(a)).toBe(true);
    expect(a).not.toBe(hashPassword('secret'));
  });
});

describe('exported answers', () => {
  const ctx = { sysroots: [desktopSysroot()], cmdline: '' };
  const raw = { version: 1, variant: 'desktop', target: { disk: '/dev/vdb' }, hostname: 'pc', user: { name: 'alice', password: 'secret1' }, root: { password: 'rootpw1' } };

  it('carry password-hash instead of the password, and validate as they are', async () => {
    const out = (await exportAnswers(raw, hashPasswordsInWorker)) as { user: Record<string, unknown>; root: Record<string, unknown> };
    expect(JSON.stringify(out)).not.toContain('secret1');
    expect(JSON.stringify(out)).not.toContain('rootpw1');
    expect(out.user['password-hash']).toMatch(/^\$6\$/);
    expect(out.root['password-hash']).toMatch(/^\$6\$/);
    expect(sha512Crypt('secret1', (out.user['password-hash'] as string).split('$')[2]!)).toBe(out.user['password-hash']);
    expect(validateAnswers(out, ctx)).toMatchObject({ ok: true });
    // Without exporting, the same answers minus the password are what `livekit validate` refused before.
    expect(validateAnswers({ ...raw, user: { name: 'alice' }, root: undefined }, ctx)).toMatchObject({ ok: false });
  });
});

describe('defaults from the locale', () => {
  it('keyboard layout', () => {
    expect(layoutForLocale('zh_CN.UTF-8')).toBe('cn');
    expect(layoutForLocale('zh_TW.UTF-8')).toBe('tw');
    expect(layoutForLocale('de_CH.UTF-8')).toBe('ch');
    expect(layoutForLocale('de_DE.UTF-8')).toBe('de');
    expect(layoutForLocale('en_GB.UTF-8')).toBe('gb');
    expect(layoutForLocale('en_US.UTF-8')).toBe('us');
    expect(layoutForLocale(undefined)).toBe('us');
    for (const l of ['zh_CN', 'zh_TW', 'de_DE', 'fr_FR', 'ja_JP', 'ko_KR', 'pt_BR']) expect(KEYBOARD_LAYOUTS).toContain(layoutForLocale(`${l}.UTF-8`));
  });
  it('time zone: one-zone countries only', () => {
    expect(timezoneForLocale('zh_CN.UTF-8')).toBe('Asia/Shanghai');
    expect(timezoneForLocale('zh_TW.UTF-8')).toBe('Asia/Taipei');
    expect(timezoneForLocale('zh-HK')).toBe('Asia/Hong_Kong');
    expect(timezoneForLocale('de_DE.UTF-8')).toBe('Europe/Berlin');
    expect(timezoneForLocale('en_US.UTF-8')).toBeUndefined();
    expect(timezoneForLocale('C.UTF-8')).toBeUndefined();
  });
  it('livekit.boot= names the booted sysroot', () => {
    expect(bootSysrootFromCmdline('root=livekit:CDLABEL=X livekit.boot=desktop quiet')).toBe('desktop');
    expect(bootSysrootFromCmdline('livekit.boot=base livekit.boot=server')).toBe('server');
    expect(bootSysrootFromCmdline('quiet -- livekit.boot=desktop')).toBeUndefined();
    expect(bootSysrootFromCmdline('livekit.boot=$(reboot)')).toBeUndefined();
  });
});

describe('power and memory warnings', () => {
  it('on battery only when a system battery discharges and no supply is online', () => {
    expect(powerState([])).toBe('ac');
    expect(powerState([{ type: 'Battery', status: 'Discharging', scope: 'Device' }])).toBe('ac'); // a mouse's battery
    expect(powerState([{ type: 'Mains', online: '0' }, { type: 'Battery', status: 'Discharging' }])).toBe('battery');
    expect(powerState([{ type: 'Mains', online: '1' }, { type: 'Battery', status: 'Discharging' }])).toBe('ac');
    expect(powerState([{ type: 'Battery', status: 'Charging' }])).toBe('ac');
    expect(powerState([{ type: 'Battery', status: 'Unknown' }])).toBe('unknown');
  });
  it('warns of little memory and of running on battery, as data', () => {
    expect(machineWarnings({ ramBytes: 8 * 1024 ** 3, power: 'ac' })).toEqual([]);
    expect(machineWarnings({ ramBytes: 1024 ** 3, power: 'battery' })).toEqual([
      { code: 'low-ram', params: { ramBytes: 1024 ** 3, minBytes: LOW_RAM_BYTES } },
      { code: 'on-battery' },
    ]);
  });
});

const part = (p: Partial<PartitionInfo> & { path: string }): PartitionInfo => ({ sizeBytes: 10 * 1024 ** 3, mountpoints: [], swapActive: false, ...p });

describe('partitions offered in partition mode', () => {
  it('root: never the BIOS boot, ESP, swap, extended or a tiny partition', () => {
    expect(isRootCandidate(part({ path: 'a', parttype: '21686148-6449-6e6f-744e-656564454649', sizeBytes: 1024 ** 2 }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', parttype: '21686148-6449-6e6f-744e-656564454649' }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', fstype: 'vfat' }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', fstype: 'swap' }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', parttype: '0x5' }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', sizeBytes: 1024 ** 2 }))).toBe(false);
    expect(isRootCandidate(part({ path: 'a', fstype: 'vfat', sizeBytes: 256 * 1024 ** 2 }))).toBe(false); // an ESP typed as data
    expect(isRootCandidate(part({ path: 'a', fstype: 'vfat', sizeBytes: 32 * 1024 ** 3 }))).toBe(true);
    expect(isRootCandidate(part({ path: 'a', parttype: '0fc63daf-8483-4772-8e79-3d69d8477de4', fstype: 'ext4' }))).toBe(true);
  });
  it('ESP: an ESP by type or a FAT filesystem', () => {
    expect(isEspCandidate(part({ path: 'a', parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b' }))).toBe(true);
    expect(isEspCandidate(part({ path: 'a', fstype: 'vfat' }))).toBe(true);
    expect(isEspCandidate(part({ path: 'a', parttype: '21686148-6449-6e6f-744e-656564454649' }))).toBe(false);
    expect(isEspCandidate(part({ path: 'a', fstype: 'ext4' }))).toBe(false);
  });
});

describe('the OS probe touches only idle partitions of disks outside the Live system', () => {
  const disk = (path: string, parts: PartitionInfo[], over: Partial<DiskInfo> = {}): DiskInfo => ({
    path, name: path.slice(5), sizeBytes: 100 * 1024 ** 3, type: 'disk', readOnly: false, removable: false, mountpoints: [], partitions: parts, ...over,
  });
  const sda = disk('/dev/sda', [
    part({ path: '/dev/sda1', fstype: 'vfat', parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b' }),
    part({ path: '/dev/sda2', fstype: 'ntfs', sizeBytes: 500 * 1024 ** 2 }),
    part({ path: '/dev/sda3', fstype: 'ntfs', sizeBytes: 60 * 1024 ** 3 }),
    part({ path: '/dev/sda4', fstype: 'ext4' }),
    part({ path: '/dev/sda5', fstype: 'ext4', mountpoints: ['/home'] }),
    part({ path: '/dev/sda6', fstype: 'swap', swapActive: true }),
    part({ path: '/dev/sda7', fstype: 'crypto_LUKS' }),
  ]);
  const usb = disk('/dev/sdb', [part({ path: '/dev/sdb1', fstype: 'ext4' })]);
  it('lists what may be mounted read-only, the ESPs and the NTFS partitions; nothing of the Live medium', () => {
    const c = probeCandidates({ disks: [sda, usb, disk('/var/x.img', [], { type: 'image' })], liveDevices: ['/dev/sdb', '/dev/sdb1'] });
    expect(c.map((x) => x.disk.path)).toEqual(['/dev/sda']);
    expect(c[0]).toMatchObject({ mount: ['/dev/sda4'], esp: ['/dev/sda1'], ntfs: ['/dev/sda2', '/dev/sda3'] });
  });
  it('names Windows on the largest NTFS partition, and an OS by its PRETTY_NAME', () => {
    expect(windowsPartition(sda, ['/dev/sda2', '/dev/sda3'])).toBe('/dev/sda3');
    expect(osNameOf('NAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(osNameOf('NAME=AOSC\nVERSION=11\n')).toBe('AOSC 11');
    expect(osNameOf('garbage')).toBeUndefined();
  });
});

describe('the wizard session the service keeps', () => {
  it('gives back what was saved, with a revision; refuses an oversized one', () => {
    const s = new SessionStore();
    expect(s.get()).toEqual({ session: null, revision: 0 });
    const input = wizardSessionInput.parse({ page: 'user', language: 'zh-CN', fields: { variant: 'desktop' }, secrets: { password: 'pw' } });
    expect(s.set(input)).toEqual({ revision: 1 });
    expect(s.get()).toEqual({ session: input, revision: 1 });
    expect(() => s.set({ ...input, fields: { big: 'x'.repeat(70_000) } })).toThrow(SessionTooLargeError);
    s.clear();
    expect(s.get().session).toBeNull();
  });
  it('refuses unknown keys and oversized secrets at the door', () => {
    expect(wizardSessionInput.safeParse({ page: 'user', language: 'en', fields: {}, extra: 1 }).success).toBe(false);
    expect(wizardSessionInput.safeParse({ page: 'user', language: 'en', fields: {}, secrets: { password: 'x'.repeat(2000) } }).success).toBe(false);
  });
});

describe('the planner’s account choices', () => {
  const sysroot = (dm?: 'lightdm' | 'sddm'): SysrootInfo => ({ ...desktopSysroot(), tools: { ...desktopSysroot().tools, ...(dm ? { displayManager: dm } : {}) } });
  const userStep = (r: ReturnType<typeof plan>) => (r.ok ? r.plan.steps.find((s) => s.id === 'user')!.actions : []);
  it('autologin needs a display manager the installer knows; SDDM gets its own file', () => {
    const a = answers({ user: { name: 'alice', password: 'secret', autologin: true } });
    const none = plan(a, uefiMachine(), sysroot(), planEnv());
    expect(none.ok ? [] : none.problems.map((p) => p.code)).toEqual(['plan:problem.no-autologin']);
    const sddm = plan(a, uefiMachine(), sysroot('sddm'), planEnv());
    expect(userStep(sddm)).toContainEqual({ kind: 'write-file', path: '/run/livekit/target/etc/sddm.conf.d/60-livekit-autologin.conf', content: '[Autologin]\nUser=alice\n' });
  });
  it('no admin rights: the account joins no admin group; root stays locked unless given a password', () => {
    const admin = userStep(plan(answers(), uefiMachine(), sysroot(), planEnv()));
    const plain = userStep(plan(answers({ user: { name: 'alice', password: 'secret', admin: false } }), uefiMachine(), sysroot(), planEnv()));
    expect(JSON.stringify(admin)).toContain('"-G"');
    expect(JSON.stringify(plain)).not.toContain('"-G"');
    expect(JSON.stringify(admin)).not.toContain('root:{secret}');
    const r = plan(answers({ root: { 'password-hash': '$6$x$y' } }), uefiMachine(), sysroot(), planEnv());
    expect(userStep(r)).toContainEqual({ kind: 'run', argv: ['chpasswd', '-e'], chroot: true, stdinSecret: { ref: 'root.password-hash', template: 'root:{secret}\n' } });
    expect(JSON.stringify(r)).not.toContain('$6$x$y');
  });
});
