// Runs QEMU (TCG) with the guest's first serial port on stdio, records the serial log, answers
// prompts by writing keys to the serial port, and stops the guest when the awaited text appears.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface KeyStep {
  /** When this text has appeared in the serial output (after the previous step's)... */
  after: RegExp;
  /** ...write these bytes to the guest's serial port (GRUB reads VT100 keys there). */
  send: string;
}

export interface QemuRun {
  /** QEMU arguments after the common ones (machine, memory, serial, no display). */
  args: string[];
  /** Stop the guest once this matches the serial log (it may also power itself off). */
  until: RegExp;
  /** Stop early, unmatched, when this appears first (a halted guest never exits by itself). */
  stopOn?: RegExp;
  timeoutMs: number;
  keys?: KeyStep[];
  /** Where to keep the serial log for a human reading a failure. */
  logFile?: string;
  memoryMiB?: number;
}

export interface QemuResult {
  /** The serial log, UTF-8, with terminal escape sequences and carriage returns removed. */
  log: string;
  matched: boolean;
  timedOut: boolean;
  seconds: number;
}

/** Removes VT100 escapes and CRs so tests can match what a person would read. */
export function plainText(raw: string): string {
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '').replace(/\r/g, '');
}

export function runQemu(o: QemuRun): Promise<QemuResult> {
  const started = Date.now();
  const argv = ['-accel', 'tcg', '-m', String(o.memoryMiB ?? 1536), '-smp', '1', '-nodefaults', '-display', 'none',
    '-no-reboot', '-serial', 'stdio', ...o.args];
  const child = spawn('qemu-system-x86_64', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  const keys = [...(o.keys ?? [])];
  let keyFrom = 0; // keys match only output that came after the previous key was sent
  let matched = false;
  let timedOut = false;
  const text = () => plainText(Buffer.concat(chunks).toString('utf8'));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, o.timeoutMs);
    if (o.logFile) writeFileSync(o.logFile, `qemu-system-x86_64 ${argv.join(' ')}\n`);
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      // Streamed as it comes, so a person can follow a slow boot; rewritten clean at the end.
      if (o.logFile) appendFileSync(o.logFile, d);
      const t = text();
      const step = keys[0];
      if (step && step.after.test(t.slice(keyFrom))) {
        keys.shift();
        keyFrom = t.length;
        child.stdin.write(step.send);
      }
      if (!matched && o.stopOn?.test(t) && !o.until.test(t)) child.kill('SIGKILL');
      if (!matched && keys.length === 0 && o.until.test(t)) {
        matched = true;
        // Give the guest a moment to power off by itself; then stop it.
        setTimeout(() => child.kill('SIGKILL'), 2000);
      }
    });
    child.stdin.on('error', () => { /* the guest is gone: nothing more to type */ });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      const log = text();
      if (o.logFile) writeFileSync(o.logFile, `${log}\n--- qemu stderr ---\n${stderr}`);
      resolve({ log, matched, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The key/value lines the test init (livekit-report) prints between its markers. */
export interface Report {
  lines: string[];
  get(key: string): string[];
}

export function parseReport(log: string): Report | undefined {
  const m = /LIVEKIT-REPORT-BEGIN\n([\s\S]*?)\nLIVEKIT-REPORT-END/.exec(log);
  if (!m?.[1]) return undefined;
  const lines = m[1].split('\n').map((l) => l.trim()).filter((l) => l.includes('='));
  return {
    lines,
    get: (key) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1)),
  };
}
