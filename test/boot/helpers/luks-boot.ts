// The QEMU harness for encrypted installs: boots a disk with OVMF through its own GRUB, finds the LUKS
// passphrase prompt of Debian's initramfs (cryptsetup's askpass reads and writes /dev/console), answers
// it, tells an unlock from a refusal, and logs in over the serial console.
//
// Where the prompt is depends on the kernel's last console= (that one is /dev/console):
//   serial  the disk's kernel line as installed (the test fixture ends it with console=ttyS0): the prompt
//           and the typed passphrase travel over the serial port, as characters, past any keymap.
//   screen  console=tty0 appended through GRUB's editor (GRUB's menu is on the serial port): the prompt
//           is on the VGA screen, read back from screendumps, and the passphrase is typed as key presses
//           on the PS/2 keyboard, translated by the keymap the initramfs loaded: a person at a keyboard.
// Either way the kernel's messages also reach the serial port, so the root's mount is seen there, and
// systemd's serial getty gives the login.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from './key-presses.ts';
import { OVMF_CODE, OVMF_VARS } from './qemu.ts';
import { QemuSession } from './qemu-session.ts';
import { attachImage, mountRo, withCleanup } from '../../helpers/image.ts';

export type PromptConsole = 'serial' | 'screen';

/** cryptsetup-initramfs' prompt (cryptroot's askpass), with the crypttab name. */
export const PROMPT_RE = /Please unlock disk ([^\s:]+):/;
/** What cryptroot says after a wrong passphrase, before asking again. */
const REFUSED_RE = /bad password or options\?/;
/** The kernel mounting a filesystem on a device-mapper device, or cryptroot's own success line. */
export const UNLOCKED_RE = /cryptsetup: \S+: set up successfully|\(dm-\d+\): mounted filesystem|XFS \(dm-\d+\): Mounting|BTRFS: device fsid .* \/dev\/(?:dm-\d+|mapper\/)/;

export interface EncryptedBootOptions {
  image: string;
  prompt: PromptConsole;
  /** The disk's grub.cfg (screen prompt): where its first entry's kernel and initrd lines are. */
  grubCfg?: string;
  /** Appended to that entry's initrd path (another initramfs on /boot, e.g. `.us`). */
  initrdSuffix?: string;
  /** Holds the OVMF variables copy. */
  workDir: string;
  logFile: string;
  /** PSF fonts for reading the screen: the guest's *-VGA16.psf.gz (screen prompt). */
  fontFiles?: string[];
  memoryMiB?: number;
  /** Guest writes go to a temporary overlay, never into the image (default true). */
  snapshot?: boolean;
}

export interface UnlockResult {
  result: 'unlocked' | 'refused';
  /** Enter pressed → the unlock seen on the serial console, or the prompt back. */
  seconds: number;
}

/** The grub.cfg of a disk image whose /boot is a plain partition (ext4 here: this host mounts no vfat). */
export async function grubCfgFromImage(image: string, bootPartition: number, path = 'grub/grub.cfg'): Promise<string> {
  return withCleanup(async (defer) => {
    const loop = await attachImage(image);
    defer(loop.detach);
    const dir = mkdtempSync('/tmp/lk-grubcfg-');
    defer(async () => rmSync(dir, { recursive: true, force: true }));
    defer(await mountRo(loop.part(bootPartition), dir));
    return readFileSync(join(dir, path), 'utf8');
  });
}

/** GRUB's editor shows `setparams 'title'`, an empty line, then the entry's lines as grub.cfg has them. */
export function editorLines(grubCfg: string): { linux: number; initrd: number } {
  const lines = grubCfg.split('\n');
  const start = lines.findIndex((l) => /^menuentry /.test(l));
  if (start < 0) throw new Error('grub.cfg has no top-level menuentry');
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l === '}') break;
    body.push(l);
  }
  const linux = body.findIndex((l) => /^\s*linux\s/.test(l));
  const initrd = body.findIndex((l) => /^\s*initrd\s/.test(l));
  if (linux < 0 || initrd < linux) throw new Error("no linux line followed by an initrd line in grub.cfg's first entry");
  return { linux: 2 + linux, initrd: 2 + initrd };
}

export class EncryptedBoot {
  /** Prompts seen so far (serial) or on screen before the last passphrase was sent. */
  private prompts = 0;

  private constructor(readonly vm: QemuSession, readonly prompt: PromptConsole) {}

  /** Starts the firmware and, for a screen prompt, edits GRUB's first entry on the way. */
  static async start(o: EncryptedBootOptions): Promise<EncryptedBoot> {
    const vars = join(o.workDir, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    const vm = await QemuSession.start({
      args: ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`,
        '-drive', `if=virtio,format=raw,file=${o.image}${o.snapshot === false ? '' : ',snapshot=on'}`],
      memoryMiB: o.memoryMiB ?? 2048,
      logFile: o.logFile,
      fontFiles: o.fontFiles ?? [],
    });
    const boot = new EncryptedBoot(vm, o.prompt);
    try {
      if (o.prompt === 'screen') {
        if (!o.grubCfg) throw new Error('a screen prompt needs the disk grub.cfg');
        await boot.editKernelLine(o.grubCfg, o.initrdSuffix);
      } else if (o.initrdSuffix) throw new Error('initrdSuffix needs GRUB editing: prompt "screen"');
    } catch (e) {
      await vm.stop();
      throw e;
    }
    return boot;
  }

  /** At GRUB's menu (1 s timeout): `e`, down to the kernel line, console=tty0 at its end, Ctrl-X. */
  private async editKernelLine(grubCfg: string, initrdSuffix?: string): Promise<void> {
    const at = editorLines(grubCfg);
    const menu = await this.vm.waitSerial(/GNU GRUB/, { timeoutMs: 180_000, what: "GRUB's menu" });
    await this.vm.typeSerial('e');
    await this.vm.waitSerial(/Emacs-like screen editing/, { from: menu, timeoutMs: 30_000, what: "GRUB's editor" });
    // Ctrl-N: next line; Ctrl-E: end of line; Ctrl-X: boot.
    await this.vm.typeSerial(`${'\x0e'.repeat(at.linux)}\x05 console=tty0`);
    if (initrdSuffix) await this.vm.typeSerial(`${'\x0e'.repeat(at.initrd - at.linux)}\x05${initrdSuffix}`);
    await sleep(300);
    const edited = this.vm.serial().length;
    await this.vm.typeSerial('\x18');
    // Fails fast when the menu's timeout won the race and the entry booted unedited.
    await this.vm.waitSerial(/Booting a command list/, { from: edited, timeoutMs: 60_000, what: "GRUB booting the edited entry" });
  }

  /** Waits for a prompt not answered yet; returns the crypttab name it asks for. */
  async waitForPrompt(timeoutMs = 300_000): Promise<string> {
    if (this.prompt === 'serial') {
      const end = Date.now() + timeoutMs;
      while (countPrompts(this.vm.serial()) <= this.prompts) {
        if (Date.now() > end) throw new Error(`no passphrase prompt on the serial console within ${timeoutMs / 1000} s`);
        await this.vm.waitSerial(PROMPT_RE, { timeoutMs: Math.max(1, end - Date.now()), what: 'the passphrase prompt' });
        await sleep(200);
      }
      return PROMPT_RE.exec(this.vm.serial())![1]!;
    }
    const lines = await this.vm.waitScreen((l) => promptLines(l) > 0, { timeoutMs, what: 'the passphrase prompt', pollMs: 2000 });
    return PROMPT_RE.exec(lines.find((l) => PROMPT_RE.test(l))!)![1]!;
  }

  /**
   * Answers the prompt now shown: over the serial port, or as key presses on `layout` (screen). Then
   * waits for the root's mount (unlocked) or the prompt again after cryptroot's refusal (refused).
   */
  async unlock(passphrase: string, o: { layout?: Layout; timeoutMs?: number } = {}): Promise<UnlockResult> {
    const timeoutMs = o.timeoutMs ?? 300_000;
    await this.waitForPrompt(timeoutMs);
    const mark = this.vm.serial().length;
    let before: number;
    if (this.prompt === 'serial') {
      before = countPrompts(this.vm.serial());
      await this.vm.typeSerial(`${passphrase}\r`, 20);
    } else {
      before = promptLines(await this.vm.screen());
      await this.vm.typeKeys(passphrase, o.layout ?? 'us', { enter: true });
    }
    const sent = Date.now();
    const end = sent + timeoutMs;
    for (;;) {
      const serial = this.vm.serial();
      if (UNLOCKED_RE.test(serial.slice(mark))) {
        this.prompts = countPrompts(serial);
        return { result: 'unlocked', seconds: (Date.now() - sent) / 1000 };
      }
      if (this.prompt === 'serial') {
        const after = serial.slice(mark);
        if (REFUSED_RE.test(after) && countPrompts(serial) > before) {
          this.prompts = countPrompts(serial) - 1;
          return { result: 'refused', seconds: (Date.now() - sent) / 1000 };
        }
      } else {
        const lines = await this.vm.screen();
        if (promptLines(lines) > before && lines.some((l) => REFUSED_RE.test(l))) return { result: 'refused', seconds: (Date.now() - sent) / 1000 };
      }
      if (Date.now() > end) throw new Error(`neither an unlock nor the prompt again within ${timeoutMs / 1000} s`);
      await sleep(this.prompt === 'serial' ? 200 : 1500);
    }
  }

  /** Logs in over the serial console and waits for the shell's prompt. */
  async login(o: { user: string; password: string; timeoutMs?: number }): Promise<void> {
    const start = this.vm.serial().length;
    let at = await this.vm.waitSerial(/login: ?$/m, { from: start, timeoutMs: o.timeoutMs ?? 300_000, what: 'the login prompt' });
    await this.vm.typeSerial(`${o.user}\r`);
    at = await this.vm.waitSerial(/\S ?: ?$/m, { from: at, timeoutMs: 60_000, what: 'the password prompt' });
    await this.vm.typeSerial(`${o.password}\r`, 20);
    await this.vm.waitSerial(/\$ ?$/m, { from: at, timeoutMs: 120_000, what: 'a shell prompt' });
  }

  /** Types a command into the logged-in serial shell; returns what the console said once `until` matched. */
  async run(command: string, until: RegExp, timeoutMs = 120_000): Promise<string> {
    const from = this.vm.serial().length;
    await this.vm.typeSerial(`${command}\r`, 10);
    await this.vm.waitSerial(until, { from, timeoutMs, what: String(until) });
    return this.vm.serial().slice(from);
  }

  /** login, then run. */
  async loginAndRun(o: { user: string; password: string; command: string; until: RegExp; timeoutMs?: number }): Promise<string> {
    await this.login(o);
    return this.run(o.command, o.until);
  }

  async stop(): Promise<void> {
    await this.vm.stop();
  }
}

function countPrompts(text: string): number {
  return (text.match(new RegExp(PROMPT_RE.source, 'g')) ?? []).length;
}

function promptLines(lines: string[]): number {
  return lines.filter((l) => PROMPT_RE.test(l)).length;
}
