// An encrypted install BOOTS and the passphrase prompt speaks the installed keyboard layout. The disk is
// made by hand (test/boot/helpers/make-luks-disk.sh: what the installer is to make: plain ESP and /boot,
// LUKS2 argon2id root, crypttab, XKBLAYOUT="de", the initramfs rebuilt by update-initramfs) from the
// Debian fixture, then booted with OVMF through its own GRUB (QEMU TCG, 2 GiB of memory):
//   1. serial: the prompt on the serial console; a wrong passphrase is refused and asked again, the
//      right one unlocks, alice logs in, and / is the LUKS mapping.
//   2. screen: the prompt on the VGA console (console=tty0 added in GRUB's editor); the passphrase with
//      z and y typed as key presses a person on a German keyboard makes unlocks.
//   3. negative control: the same key presses with the same disk's US-layout initramfs are refused;
//      the key presses for the same passphrase on a US keyboard then unlock that prompt.
// The harness (helpers/luks-boot.ts) is the one the installer's end-to-end test uses.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedBoot, grubCfgFromImage } from './helpers/luks-boot.ts';
import { luksDisk, type LuksDisk } from './helpers/luks-disk.ts';
import { attachImage, mountRo, withCleanup } from '../helpers/image.ts';
import { loopsBacking, mountPoints } from '../helpers/system-state.ts';

const isRoot = process.getuid?.() === 0;
const NEEDS_ROOT = 'needs root: the Debian fixture, loop devices, a chroot, and QEMU';
const BUILD = new URL('../fixtures/debian-sysroot/build.sh', import.meta.url).pathname;
const ARTIFACTS = new URL('../../test-artifacts/luks-unlock/', import.meta.url).pathname;
/** z and y swap places between US and German keyboards; the space and capital test Shift and the keymap. */
const PASSPHRASE = 'Zauberwort yz';
const WRONG = 'Zauberwort zy';
const PASSWORD = 'correct horse 42';

if (!isRoot) console.warn(`test/boot/luks-unlock: skipped (${NEEDS_ROOT})`);

/** The keymap an initramfs loads at the prompt: what keycodes 21 (US y) and 44 (US z) type. */
async function initramfsKeys(initrd: string): Promise<{ k21: string; k44: string }> {
  const r = await execa('bash', ['-o', 'pipefail', '-c', 'zcat "$0" | cpio -i --quiet --to-stdout "etc/console-setup/*"', initrd]);
  const key = (code: number) => new RegExp(`^keycode\\s+${code}\\s*=\\s*\\+?U\\+00([0-9a-f]{2})`, 'm').exec(r.stdout)?.[1];
  const ch = (hex?: string) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '');
  return { k21: ch(key(21)), k44: ch(key(44)) };
}

describe.skipIf(!isRoot)('an encrypted (LUKS2) install unlocks at boot, with the installed keyboard layout (QEMU TCG, OVMF)', () => {
  let disk: LuksDisk;
  /** Read from the disk itself, as a test of an installer-made disk would. */
  let grubCfg = '';
  let fonts: string[] = [];
  let work = '';
  const timings: Record<string, number | string> = {};

  beforeAll(async () => {
    const root = (await execa('bash', [BUILD, '--print-root'], { timeout: 1_500_000 })).stdout.trim();
    // The kernel's built-in 8x16 font: Goha16's ASCII glyphs are it, the VGA16 fonts differ in ' ` f v ~.
    fonts = ['Ethiopian-Goha16.psf.gz', 'Uni2-VGA16.psf.gz'].map((f) => join(root, 'usr/share/consolefonts', f));
    const t0 = Date.now();
    // Built once (~2 min: copy, update-initramfs twice, GRUB, encryption), cached afterwards.
    disk = await luksDisk({ root, passphrase: PASSPHRASE, password: PASSWORD, layout: 'de', control: true });
    timings.diskSeconds = (Date.now() - t0) / 1000;
    grubCfg = await grubCfgFromImage(disk.image, 2);
    work = mkdtempSync(join(tmpdir(), 'livekit-luks-'));
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 1_800_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (Object.keys(timings).length) writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  });

  it('the disk: LUKS2 argon2id root, plain /boot, and initramfs images whose keymap is German (and US for the control)', async () => {
    expect(disk.facts.mapping).toBe(`luks-${disk.facts.luks_uuid}`);
    expect(JSON.parse(disk.facts.kdf!)).toMatchObject({ type: 'argon2id', memory: 262144, time: 4 });
    await withCleanup(async (defer) => {
      const loop = await attachImage(disk.image);
      defer(loop.detach);
      const dump = JSON.parse((await execa('cryptsetup', ['luksDump', '--dump-json-metadata', loop.part(3)])).stdout) as {
        segments: Record<string, { encryption: string }>;
      };
      expect(dump.segments['0']?.encryption).toBe('aes-xts-plain64');
      const boot = join(work, 'boot');
      defer(await mountRo(loop.part(2), boot));
      const kernel = disk.facts.kernel!;
      expect(readdirSync(boot)).toEqual(expect.arrayContaining([`vmlinuz-${kernel}`, `initrd.img-${kernel}`, `initrd.img-${kernel}.us`]));
      // On a German keyboard the key right of T types z, the one left of X types y.
      expect(await initramfsKeys(join(boot, `initrd.img-${kernel}`))).toEqual({ k21: 'z', k44: 'y' });
      expect(await initramfsKeys(join(boot, `initrd.img-${kernel}.us`))).toEqual({ k21: 'y', k44: 'z' });
      const crypttab = (await execa('bash', ['-o', 'pipefail', '-c', 'zcat "$0" | cpio -i --quiet --to-stdout cryptroot/crypttab', join(boot, `initrd.img-${kernel}`)])).stdout;
      expect(crypttab).toContain(`${disk.facts.mapping} UUID=${disk.facts.luks_uuid} none`);
    });
    expect(grubCfg).toBe(disk.grubCfg);
    expect(grubCfg).toMatch(new RegExp(`^\\s*linux\\s+/vmlinuz-\\S+ root=UUID=${disk.facts.root_uuid} ro console=ttyS0`, 'm'));
  });

  it('serial console: a wrong passphrase is refused and asked again, the right one unlocks, alice logs in on the mapping', async () => {
    const boot = await EncryptedBoot.start({ image: disk.image, prompt: 'serial', workDir: work, logFile: join(ARTIFACTS, 'serial-prompt.log') });
    try {
      expect(await boot.waitForPrompt()).toBe(disk.facts.mapping);
      timings.serialPromptAt = boot.vm.elapsed();
      const wrong = await boot.unlock(WRONG);
      expect(wrong.result, 'the wrong passphrase').toBe('refused');
      timings.serialRefusedSeconds = wrong.seconds;
      const right = await boot.unlock(PASSPHRASE);
      expect(right.result, 'the right passphrase').toBe('unlocked');
      timings.serialUnlockSeconds = right.seconds;
      const out = await boot.loginAndRun({
        user: 'alice',
        password: PASSWORD,
        command: 'echo "LUKS-LOGIN $(findmnt -n -o SOURCE /) $(findmnt -n -o SOURCE /boot) $(id -un) $(cut -d" " -f1 /proc/uptime)"',
        until: /LUKS-LOGIN \S+ \S+ \S+ [\d.]+/,
      });
      timings.serialLoginAt = boot.vm.elapsed();
      const m = /LUKS-LOGIN (\S+) (\S+) (\S+) ([\d.]+)/.exec(out)!;
      expect(m[1], '/ is the unlocked mapping').toBe(`/dev/mapper/${disk.facts.mapping}`);
      expect(m[2], '/boot is the plain partition').toBe('/dev/vda2');
      expect(m[3]).toBe('alice');
      timings.serialGuestUptimeAtLogin = Number(m[4]);
    } finally {
      await boot.stop();
    }
  }, 900_000);

  it('screen and keyboard: the passphrase typed on a German keyboard (z and y swapped against US) unlocks', async () => {
    const boot = await EncryptedBoot.start({
      image: disk.image, prompt: 'screen', grubCfg, workDir: work, fontFiles: fonts, logFile: join(ARTIFACTS, 'screen-de.log'),
    });
    try {
      expect(await boot.waitForPrompt()).toBe(disk.facts.mapping);
      timings.screenPromptAt = boot.vm.elapsed();
      await boot.vm.screendump(join(ARTIFACTS, 'prompt-de.png'));
      // Not on the serial console: askpass writes to /dev/console, now the screen.
      expect(boot.vm.serial()).not.toMatch(/Please unlock disk/);
      const r = await boot.unlock(PASSPHRASE, { layout: 'de' });
      expect(r.result, 'German key presses with the German keymap').toBe('unlocked');
      timings.screenDeUnlockSeconds = r.seconds;
    } finally {
      await boot.stop();
    }
  }, 900_000);

  it('negative control: the same German key presses are refused when the initramfs has the US keymap', async () => {
    const boot = await EncryptedBoot.start({
      image: disk.image, prompt: 'screen', grubCfg, initrdSuffix: '.us', workDir: work, fontFiles: fonts,
      logFile: join(ARTIFACTS, 'screen-us-control.log'),
    });
    try {
      await boot.waitForPrompt();
      const german = await boot.unlock(PASSPHRASE, { layout: 'de' });
      await boot.vm.screendump(join(ARTIFACTS, 'refused-us-control.png'));
      expect(german.result, 'German key presses with the US keymap type "Yauberwort zy"').toBe('refused');
      timings.controlRefusedSeconds = german.seconds;
      // The prompt is alive and the passphrase right: typed as on a US keyboard, it unlocks.
      const us = await boot.unlock(PASSPHRASE, { layout: 'us' });
      expect(us.result).toBe('unlocked');
    } finally {
      await boot.stop();
    }
  }, 900_000);

  it('leaves no loop device or mount behind', async () => {
    expect(await loopsBacking([disk.image])).toEqual([]);
    expect(mountPoints().filter((m) => m.startsWith(work))).toEqual([]);
  });
});
