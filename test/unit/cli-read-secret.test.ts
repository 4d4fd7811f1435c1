// How the CLI reads secrets, in a real process: on a terminal (a pty made by util-linux `script`) nothing
// typed is echoed, for the passphrase asked once as for the password asked twice (Node 20's readline echoed
// every key despite the old `_writeToOutput` override); Ctrl-C at the prompt ends it; from a pipe, a
// passphrase is stdin's first line and exactly what follows it is left for the next reader (a repair's new
// password, a shell's input).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
const hasScript = (await execa('sh', ['-c', 'command -v script'], { reject: false })).exitCode === 0;

/** The probe: the passphrase as `livekit mount` reads it, then (password mode) the password as `repair password` does. */
const PROBE = `
import { readSecret, readUnlockPassphrase } from '${join(ROOT, 'electron/cli/read-secret.ts')}';
const p = await readUnlockPassphrase('Passphrase: ');
process.stderr.write('[passphrase ' + JSON.stringify(p) + ']\\n');
if (process.argv[2] === 'password') {
  const r = await readSecret({ ask: 'New password: ', again: 'Again: ' }, () => []);
  process.stderr.write('[password ' + JSON.stringify(r) + ']\\n');
}
if (process.argv[2] === 'rest') {
  const { execFileSync } = await import('node:child_process');
  process.stderr.write('[rest ' + JSON.stringify(execFileSync('cat', { stdio: ['inherit', 'pipe', 'inherit'] }).toString()) + ']\\n');
}
`;

describe('reading secrets', () => {
  let dir = '';
  let probe = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lk-read-secret-'));
    probe = join(dir, 'probe.mts');
    writeFileSync(probe, PROBE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the probe on a pty, typing `keys` (each after `wait` ms); returns what the terminal showed. */
  async function onTerminal(mode: string, keys: string[], wait = 2500): Promise<string> {
    const typing = (async function* () {
      for (const k of keys) {
        await new Promise((r) => setTimeout(r, wait));
        yield k;
      }
      await new Promise((r) => setTimeout(r, 1500));
    })();
    const r = await execa('script', ['-qec', `node --import file://${TSX} ${probe} ${mode}`, '/dev/null'], { input: Readable.from(typing), reject: false, timeout: 60_000 });
    return String(r.stdout);
  }

  it.skipIf(!hasScript)('on a terminal: the passphrase and the password are read, and never shown', async () => {
    const shown = await onTerminal('password', ['Pass Phrase 1\r', 'Typed-Pw-22\r', 'Typed-Pw-22\r']);
    expect(shown).toContain('[passphrase "Pass Phrase 1"]');
    expect(shown).toContain('[password {"value":"Typed-Pw-22","refused":[]}]');
    // Only the probe's own report shows them: the prompts are followed by nothing typed.
    const echoed = shown.replace(/\[(passphrase|password) [^\]]*\]/g, '');
    expect(echoed).not.toContain('Pass Phrase 1');
    expect(echoed).not.toContain('Typed-Pw-22');
    expect(echoed).toMatch(/Passphrase: \r?\n/);
  }, 60_000);

  it.skipIf(!hasScript)('Ctrl-C at the passphrase prompt ends the process (SIGINT), nothing read', async () => {
    const shown = await onTerminal('once', ['abc\x03']);
    expect(shown).not.toContain('[passphrase');
    expect(shown).not.toContain('abc');
  }, 60_000);

  it('from a pipe: the passphrase is the first line, and the rest is left exactly as it was for what reads next', async () => {
    const input = 'my passphrase\r\nline two\nline three\n';
    const r = await execa('node', ['--import', `file://${TSX}`, probe, 'rest'], { input, reject: false });
    expect(r.stderr).toContain('[passphrase "my passphrase"]');
    expect(r.stderr).toContain('[rest "line two\\nline three\\n"]');
    const password = await execa('node', ['--import', `file://${TSX}`, probe, 'password'], { input: 'my passphrase\nNew-Pw-3\n', reject: false });
    expect(password.stderr).toContain('[password {"value":"New-Pw-3","refused":[]}]');
    const empty = await execa('node', ['--import', `file://${TSX}`, probe, 'once'], { input: '', reject: false });
    expect(empty.stderr).toContain('[passphrase ""]');
  }, 60_000);
});
