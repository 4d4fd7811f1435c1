// A secret the CLI takes on stdin (a repair's new password, a disk's passphrase): on a terminal asked twice,
// nothing echoed; otherwise all of stdin but one final line ending, read to a cap. A second line is part of
// it (and then refused by the rule), never silently dropped; bytes that are not UTF-8 are refused.
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
