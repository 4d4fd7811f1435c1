// Bad encryption input gets a translated problem, a non-zero exit and no write: a short passphrase, two that
// differ on a terminal, a passphrase file others can read, a variant without cryptsetup, and (on a kernel that
// cannot open a container, as this machine's) encryption itself. The real CLI; the disk image byte-identical.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { makeImage, sha256File } from '../helpers/image.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { hasDeviceMapper } from '../e2e/luks-check.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

describe.skipIf(!isRoot)('bad encryption input: exit 2, the problem said, the disk untouched (needs root: the fixture medium)', () => {
  let fx: Composed;
  let dir: string;
  let image: string;
  let hash: string;
  let common: string[];
  const yaml = (encryption: string) =>
    ['version: 1', 'variant: desktop', `target: { disk: ${image}, swap: none }`, 'hostname: enc', 'user: { name: alice, password: "pw-long-enough" }', 'bootloader: none', encryption, ''].join('\n');
  const config = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-enc-refuse-');
    image = join(dir, 'disk.img');
    await makeImage(image, 4096 * MiB);
    await execa('sh', ['-c', `printf 'label: dos\\n,,83\\n' | sfdisk -q ${image}`]);
    hash = await sha256File(image);
    writeFileSync(join(dir, 'cmdline'), 'root=livekit:CDLABEL=X LANG=en_US.UTF-8\n');
    common = ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline')];
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a passphrase under 8 characters', async () => {
    const r = await runCli(['validate', '--config', config('short.yaml', yaml('encryption: { passphrase: "short" }')), ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The passphrase is too short: at least 8 characters');
    expect(await sha256File(image)).toBe(hash);
  });

  it('a passphrase with a character no console can type (no input method before boot)', async () => {
    const r = await runCli(['validate', '--config', config('cjk.yaml', yaml('encryption: { passphrase: "芝麻开门芝麻开门" }')), ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('printable ASCII');
  });

  it('a passphrase file others can read: the mode to change; nothing planned', async () => {
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'correct horse battery\n');
    chmodSync(pass, 0o644);
    const r = await runCli(['install', '--yes', '--config', config('file.yaml', yaml(`encryption: { passphrase-file: ${pass} }`)), ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The passphrase file ${pass} can be read by others (mode 0644): make it mode 0600`);
    expect(await sha256File(image)).toBe(hash);
  });

  it('two passphrases that differ, typed on a terminal (--passphrase-stdin)', async () => {
    const cmd = [BIN, 'install', '--passphrase-stdin', '--config', config('tty.yaml', yaml('encryption: {}')), ...common].map((w) => `'${w}'`).join(' ');
    // script(1) gives the CLI a pseudo-terminal: the passphrase is then asked twice, not echoed.
    const cli = execa('script', ['--quiet', '--return', '--command', cmd, '/dev/null'], { reject: false, env: { LANG: 'C.UTF-8' } });
    let screen = '';
    let typed = 0;
    cli.stdout!.on('data', (d: Buffer) => {
      screen += d.toString();
      if (typed === 0 && screen.includes('Encryption passphrase: ')) cli.stdin!.write(`Open Sesame 1\r`, () => (typed = 1));
      if (typed === 1 && screen.includes('Again, to be sure: ')) {
        typed = 2;
        cli.stdin!.write('Open Sesame 2\r');
      }
    });
    const r = await cli;
    expect(typed, screen).toBe(2);
    expect(r.exitCode, screen).toBe(2);
    expect(screen).toContain('The two passphrases are not the same');
    expect(screen).not.toContain('Open Sesame');
    expect(await sha256File(image)).toBe(hash);
  });

  it('a variant without cryptsetup, and a kernel that cannot open a container: refused before anything is written', async () => {
    const r = await runCli(['plan', '--config', config('tools.yaml', yaml('encryption: { passphrase: "correct horse battery" }')), ...common]);
    expect(r.code).toBe(2);
    // The fixture's busybox variant carries no cryptsetup of its own.
    expect(r.stderr).toContain('The variant "desktop" has no cryptsetup');
    if (!hasDeviceMapper) expect(r.stderr).toContain("This computer's kernel cannot open an encrypted disk");
    const given = await execa(BIN, ['install', '--yes', '--passphrase-stdin', '--config', join(dir, 'tools.yaml'), ...common], { input: 'correct horse battery\n', reject: false });
    expect(given.exitCode).toBe(2);
    expect(given.stderr).toContain('has no cryptsetup');
    expect(`${given.stdout}${given.stderr}`).not.toContain('correct horse battery');
    expect(await sha256File(image)).toBe(hash);
  });
});
