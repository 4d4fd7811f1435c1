// An interactive QEMU (TCG) run for tests that converse with the guest step by step: the first serial
// port on stdio (recorded, typed into), a VGA screen and a PS/2 keyboard reached through QMP (key
// presses, screendumps read as text by console-screen.ts). runQemu (qemu.ts) stays the simple,
// declarative way for boots that only wait for text.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadPsf, parsePpm, screenText, type Font } from './console-screen.ts';
import { keyPresses, type Layout } from './key-presses.ts';
import { Qmp } from './qmp.ts';
import { plainText } from './qemu.ts';

export interface SessionOptions {
  /** QEMU arguments after the common ones (machine, memory, serial, VGA, QMP). */
  args: string[];
  memoryMiB?: number;
  /** The serial log, streamed as it comes (for a person following a slow boot). */
  logFile: string;
  /** PSF fonts to read the screen with (the guest's console font: a *-VGA16.psf.gz for the kernel's). */
  fontFiles?: string[];
}

export class QemuSession {
  private raw: Buffer[] = [];
  private exited = false;
  private readonly fonts: Font[];

  private constructor(
    private readonly child: ChildProcess,
    readonly qmp: Qmp,
    private readonly dir: string,
    readonly started: number,
    fontFiles: string[],
  ) {
    this.fonts = fontFiles.map(loadPsf);
  }

  static async start(o: SessionOptions): Promise<QemuSession> {
    const dir = mkdtempSync('/tmp/lk-qemu-');
    const socket = join(dir, 'qmp.sock');
    const argv = ['-accel', 'tcg', '-m', String(o.memoryMiB ?? 2048), '-smp', '1', '-nodefaults', '-vga', 'std',
      '-display', 'none', '-no-reboot', '-serial', 'stdio', '-qmp', `unix:${socket},server=on,wait=off`, ...o.args];
    writeFileSync(o.logFile, `qemu-system-x86_64 ${argv.join(' ')}\n`);
    const started = Date.now();
    const child = spawn('qemu-system-x86_64', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let qmp: Qmp;
    try {
      qmp = await Qmp.connect(socket);
    } catch (e) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const s = new QemuSession(child, qmp, dir, started, o.fontFiles ?? []);
    child.stdout!.on('data', (d: Buffer) => {
      s.raw.push(d);
      appendFileSync(o.logFile, d);
    });
    child.stderr!.on('data', (d: Buffer) => appendFileSync(o.logFile, `\n[qemu stderr] ${d.toString()}`));
    child.stdin!.on('error', () => { /* the guest is gone: nothing more to type */ });
    child.on('exit', () => { s.exited = true; });
    return s;
  }

  /** Seconds since QEMU started. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** The serial log so far, as a person reads it (escapes and carriage returns removed). */
  serial(): string {
    return plainText(Buffer.concat(this.raw).toString('utf8'));
  }

  /** Waits until `re` matches the serial log after offset `from`; returns the offset after the match. */
  async waitSerial(re: RegExp, o: { from?: number; timeoutMs: number; what?: string }): Promise<number> {
    const end = Date.now() + o.timeoutMs;
    for (;;) {
      const text = this.serial();
      const from = o.from ?? 0;
      const m = re.exec(text.slice(from));
      if (m) return from + m.index + m[0].length;
      if (this.exited) throw new Error(`QEMU exited before ${o.what ?? re} appeared on the serial console`);
      if (Date.now() > end) throw new Error(`no ${o.what ?? re} on the serial console within ${o.timeoutMs / 1000} s`);
      await sleep(100);
    }
  }

  /** Writes to the serial port a character at a time (a UART's FIFO is 16 bytes; GRUB reads slowly). */
  async typeSerial(text: string, charDelayMs = 40): Promise<void> {
    for (const ch of text) {
      this.child.stdin!.write(ch);
      await sleep(charDelayMs);
    }
  }

  /** Presses the keys a person presses to type `text` on `layout`, then Enter if asked. */
  async typeKeys(text: string, layout: Layout, o: { enter?: boolean } = {}): Promise<void> {
    const presses = keyPresses(text, layout);
    if (o.enter) presses.push(['ret']);
    for (const keys of presses) {
      await this.qmp.execute('send-key', { keys: keys.map((k) => ({ type: 'qcode', data: k })) });
      await sleep(60);
    }
  }

  /** Saves the screen as PNG (for people) or PPM. */
  async screendump(file: string, format: 'png' | 'ppm' = 'png'): Promise<void> {
    await this.qmp.execute('screendump', { filename: file, format });
  }

  /** The text on the screen now, one string per character row (needs fontFiles). */
  async screen(): Promise<string[]> {
    if (this.fonts.length === 0) throw new Error('no font to read the screen with (fontFiles)');
    const file = join(this.dir, 'screen.ppm');
    await this.screendump(file, 'ppm');
    const img = parsePpm(readFileSync(file));
    // Several fonts: each unknown cell may be known to another one.
    const readings = this.fonts.map((f) => screenText(img, f));
    return readings[0]!.map((_, r) => {
      const rows = readings.map((x) => x[r] ?? '');
      const len = Math.max(...rows.map((x) => x.length));
      let line = '';
      for (let c = 0; c < len; c++) line += rows.map((x) => x[c] ?? ' ').find((ch) => ch !== '?') ?? '?';
      return line;
    });
  }

  /** Polls the screen until `test` accepts its text; returns that text. */
  async waitScreen(test: (lines: string[]) => boolean, o: { timeoutMs: number; what: string; pollMs?: number }): Promise<string[]> {
    const end = Date.now() + o.timeoutMs;
    for (;;) {
      const lines = await this.screen();
      if (test(lines)) return lines;
      if (this.exited) throw new Error(`QEMU exited before the screen showed ${o.what}`);
      if (Date.now() > end) throw new Error(`the screen did not show ${o.what} within ${o.timeoutMs / 1000} s:\n${lines.join('\n')}`);
      await sleep(o.pollMs ?? 1000);
    }
  }

  /** Ends QEMU (quit, then SIGKILL) and removes its socket folder. */
  async stop(): Promise<void> {
    if (!this.exited) {
      await Promise.race([this.qmp.execute('quit').catch(() => undefined), sleep(3000)]);
      for (let i = 0; i < 30 && !this.exited; i++) await sleep(100);
      if (!this.exited) this.child.kill('SIGKILL');
      for (let i = 0; i < 50 && !this.exited; i++) await sleep(100);
    }
    this.qmp.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
