// A secret the CLI takes on stdin (a repair's new password, a disk's passphrase): on a terminal asked twice,
// nothing echoed; otherwise all of stdin but one final line ending, read to a cap. A second line is part of
// it (and then refused by the rule), never silently dropped; bytes that are not UTF-8 are refused. A
// passphrase that unlocks an existing container is asked once (a wrong one is refused by the container),
// or is stdin's first line, read without reading past it: what follows is for the command.
import { readSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Finding } from '../shared/problem.ts';

const STDIN_SECRET_CAP = 4096;

/** All of `input` but one final line ending; undefined when it is not UTF-8 (decoding would change it). */
export function secretFromStdin(input: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input).replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
}

/** A secret read from stdin, as findings of its rule. */
export function stdinSecretFindings(input: Buffer, check: (s: string) => Finding[]): { value?: string; refused: Finding[] } {
  const value = secretFromStdin(input);
  if (value === undefined) return { refused: [{ code: 'user.not-unicode' }] };
  return { value, refused: check(value) };
}

/** Ctrl-C at a secret's prompt. */
export class SecretCancelled extends Error {}

/**
 * One line from the terminal, nothing echoed: the terminal in raw mode, the keys read here (readline echoes
 * as it redraws its line, whatever output it is given). Backspace and Ctrl-U edit; Enter ends; Ctrl-C cancels.
 */
function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const end = (finish: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      finish();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return end(() => resolve(value));
        if (ch === '\u0003') return end(() => reject(new SecretCancelled()));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The secret and what its rule refuses in it; `mismatch` when the two entries on a terminal differ. Throws
 * SecretCancelled on Ctrl-C.
 */
export async function readSecret(prompts: { ask: string; again: string }, check: (s: string) => Finding[]): Promise<{ value?: string; refused: Finding[] } | 'mismatch'> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of process.stdin) {
      chunks.push(c as Buffer);
      total += (c as Buffer).length;
      if (total > STDIN_SECRET_CAP) break;
    }
    return stdinSecretFindings(Buffer.concat(chunks), check);
  }
  const first = await askHidden(prompts.ask);
  const again = await askHidden(prompts.again);
  return first === again ? { value: first, refused: check(first) } : 'mismatch';
}

/** Waits `ms` without the event loop (stdin read synchronously and not ready yet). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * stdin's first line (without its line ending), read a byte at a time so that nothing after it is consumed:
 * the new password of `repair password`, or a shell's input, follows. Undefined when it is not UTF-8.
 */
export function stdinFirstLine(fd = 0): string | undefined {
  const bytes: number[] = [];
  const b = Buffer.alloc(1);
  while (bytes.length <= STDIN_SECRET_CAP) {
    let n: number;
    try {
      n = readSync(fd, b, 0, 1, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        pause(20);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0 || b[0] === 0x0a) break;
    bytes.push(b[0]!);
  }
  return secretFromStdin(Buffer.from(bytes))?.replace(/\r$/, '');
}

/**
 * A passphrase that opens an existing container: asked once on a terminal (nothing echoed), else stdin's
 * first line. `isatty`, not `process.stdin`: making that stream would turn the pipe non-blocking for the
 * shell that inherits it.
 */
export async function readUnlockPassphrase(ask: string): Promise<string | undefined> {
  return isatty(0) ? askHidden(ask) : stdinFirstLine();
}
