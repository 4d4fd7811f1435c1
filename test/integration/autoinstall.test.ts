// `livekit autoinstall` on this machine (root): answers read from a volume found by its label, the
// install into a disk image, the result beside the answers and on stdout; and the refusals (an answer
// file naming no disk where none may be erased, malformed answers) with the image left untouched.
// The same command at boot, in QEMU, is the boot tests' business.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { makeImage, sha256File } from '../helpers/image.ts';
import { jsonEvents, runCli } from '../helpers/cli.ts';
import { loopsBacking, mountPoints } from '../helpers/system-state.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

if (!isRoot) console.warn('test/integration/autoinstall: skipped (needs root: loop devices, mounts, mkfs)');

describe.skipIf(!isRoot)('livekit autoinstall from a labelled answers volume', () => {
  let fx: Composed;
  let dir: string;
  let volume: string;
  const label = `LKQA${randomBytes(3).toString('hex').toUpperCase()}`; // unique: other tests may run meanwhile
  let common: string[];

  /** Writes the answers volume: an ext4 image (this host's kernel has no vfat; QEMU guests use FAT). */
  async function answersVolume(files: Record<string, string>): Promise<void> {
    const src = join(dir, 'volume-src');
    rmSync(src, { recursive: true, force: true });
    await execa('mkdir', ['-p', src]);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
    rmSync(volume, { force: true });
    await makeImage(volume, 16 * MiB);
    await execa('mkfs.ext4', ['-q', '-F', '-L', label, '-d', src, volume]);
  }

  /** blkid finds labels on block devices: the volume is attached for the run, then detached. */
  async function withVolumeAttached<T>(run: () => Promise<T>): Promise<T> {
    const loop = (await execa('losetup', ['--find', '--show', volume])).stdout.trim();
    try {
      return await run();
    } finally {
      await execa('losetup', ['-d', loop], { reject: false });
    }
  }

  async function readBack(name: string): Promise<string> {
    const mnt = mkdtempSync('/tmp/lk-qa-read-');
    await execa('mount', ['-o', 'ro,loop', volume, mnt]);
    try {
      return readFileSync(join(mnt, name), 'utf8');
    } finally {
      await execa('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-autoinstall-');
    volume = join(dir, 'answers.img');
    writeFileSync(join(dir, 'cmdline'), `root=livekit:CDLABEL=X livekit.autoinstall=LABEL=${label}:/qa.yaml\n`);
    common = ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline')];
  });
  afterAll(async () => {
    await fx?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs the named disk image from the command line\'s source and publishes the result', async () => {
    const image = join(dir, 'target.img');
    await makeImage(image, 2048 * MiB);
    await answersVolume({
      'qa.yaml': ['version: 1', 'variant: desktop', 'target:', `  disk: ${image}`, '  swap: none', 'hostname: qa-host',
        'user: { name: alice, password: "qa secret 1" }', 'bootloader: none', 'after: reboot', ''].join('\n'),
    });
    const results = join(dir, 'results-ok');
    const r = await withVolumeAttached(() => runCli(['autoinstall', ...common, '--result-dir', results]));
    expect(r.code, r.stderr).toBe(0);
    const events = jsonEvents(r.stdout.split('\n').filter((l) => l.startsWith('{')).join('\n'));
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
    const tagged = /^LIVEKIT-AUTOINSTALL-RESULT (.*)$/m.exec(r.stdout);
    const result = JSON.parse(tagged![1]!);
    expect(result).toMatchObject({ exitCode: 0, variant: 'desktop', disk: image, after: 'reboot', message: null, lastEvent: { type: 'done', ok: true } });
    expect(JSON.parse(readFileSync(join(results, 'livekit-result.json'), 'utf8'))).toEqual(result);
    expect(readFileSync(join(results, 'after'), 'utf8')).toBe('reboot\n');
    // Beside the answers, where QA reads it from outside the machine; the install log too.
    expect(JSON.parse(await readBack('livekit-result.json'))).toEqual(result);
    expect(await readBack('livekit-install.log')).toContain('"type":"plan"');
    expect(r.stdout + r.stderr).not.toContain('qa secret 1');
    const table = JSON.parse((await execa('sfdisk', ['--json', image])).stdout);
    expect(table.partitiontable.partitions.length).toBeGreaterThan(0);
    expect(await loopsBacking([image, volume])).toEqual([]);
  }, 600_000);

  it('refuses an answer file that names no disk when no disk may be erased (exit 3), and stays up with a shell', async () => {
    await answersVolume({
      'qa.yaml': ['version: 1', 'variant: desktop', 'target: { swap: none }', 'hostname: qa-host', 'user: { name: alice, password: "pw12" }', ''].join('\n'),
    });
    const results = join(dir, 'results-nodisk');
    const r = await withVolumeAttached(() => runCli(['autoinstall', ...common, '--result-dir', results]));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the answers name no disk');
    const result = JSON.parse(readFileSync(join(results, 'livekit-result.json'), 'utf8'));
    expect(result).toMatchObject({ exitCode: 3, after: 'shell', lastEvent: null });
    expect(JSON.parse(await readBack('livekit-result.json'))).toEqual(result);
  }, 300_000);

  it('malformed answers end with exit 2 and the reason; the named image is unchanged', async () => {
    const image = join(dir, 'untouched.img');
    await makeImage(image, 512 * MiB);
    const before = await sha256File(image);
    await answersVolume({ 'qa.yaml': `version: 1\nvariant: [desktop\ntarget: { disk: ${image} }\n` });
    const results = join(dir, 'results-bad');
    const r = await withVolumeAttached(() => runCli(['autoinstall', ...common, '--result-dir', results]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/qa\.yaml:\d+: invalid YAML/);
    expect(JSON.parse(readFileSync(join(results, 'livekit-result.json'), 'utf8'))).toMatchObject({ exitCode: 2, after: 'shell' });
    expect(await sha256File(image)).toBe(before);
    expect(mountPoints().filter((m) => m.includes('/livekit-answers-'))).toEqual([]);
  }, 300_000);

  it('answers over http (a server on loopback, as a network rig would serve them)', async () => {
    const image = join(dir, 'http-target.img');
    await makeImage(image, 2048 * MiB);
    const yaml = ['version: 1', 'variant: base', 'target:', `  disk: ${image}`, '  swap: none', 'hostname: qa-http',
      'user: { name: bob, password: "over http 9" }', 'bootloader: none', ''].join('\n');
    const server = createServer((req, res) => {
      if (req.url === '/qa.yaml') res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(yaml);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await runCli(['autoinstall', ...common, '--source', `http://127.0.0.1:${port}/qa.yaml`, '--result-dir', join(dir, 'results-http')]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(/^LIVEKIT-AUTOINSTALL-RESULT (.*)$/m.exec(r.stdout)![1]!)).toMatchObject({ exitCode: 0, variant: 'base', source: `http://127.0.0.1:${port}/qa.yaml` });
      const missing = await runCli(['autoinstall', ...common, '--source', `http://127.0.0.1:${port}/nope.yaml`, '--result-dir', join(dir, 'results-http-404')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope.yaml: HTTP 404');
    } finally {
      server.close();
    }
  }, 300_000);

  it('a source that cannot be read is exit 2 with its name', async () => {
    const r = await runCli(['autoinstall', ...common, '--source', 'LABEL=NO-SUCH-LABEL-LK:/qa.yaml', '--result-dir', join(dir, 'results-nosrc')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LABEL=NO-SUCH-LABEL-LK: no filesystem with this label');
  }, 120_000);

  it('result files are never written through a link nor over a file that is not ours (issue #21)', async () => {
    const results = join(dir, 'results-guarded');
    mkdirSync(results, { recursive: true });
    const victim = join(dir, 'victim.conf');
    writeFileSync(victim, 'keep me\n');
    symlinkSync(victim, join(results, 'livekit-result.json'));
    writeFileSync(join(results, 'after'), 'not ours\n');
    const r = await runCli(['autoinstall', ...common, '--source', 'LABEL=NO-SUCH-LABEL-LK:/qa.yaml', '--result-dir', results]);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(results, 'after'), 'utf8')).toBe('not ours\n');
    expect(r.code).toBe(2); // the source's exit code, not the refused files'
    expect(r.stderr).toMatch(/Refusing to write .*livekit-result\.json: symlink/);
    expect(r.stderr).toMatch(/Refusing to write .*after: not-ours/);
    expect(lstatSync(join(results, 'livekit-result.json')).isSymbolicLink()).toBe(true);
  }, 120_000);
});
