// Paths the engine writes never destroy what they name (issue #21): `--log` at an installed image, the
// answer file, a file on the medium, a loop device or a FIFO is refused with exit 2 and every byte kept;
// a new log is created and an existing LiveKit log appended to. A hard link or a bind mount of the
// medium's files is the medium: `plan` refuses it as a target. Real CLI, real images, real loop devices.
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage, sha256File, withCleanup } from '../helpers/image.ts';
import { BIN, jsonEvents, runCli } from '../helpers/cli.ts';
import { loopsBacking } from '../helpers/system-state.ts';

const isRoot = process.getuid?.() === 0;
const GiB = 1024 ** 3;

function answers(disk: string): string {
  return [
    'version: 1',
    'variant: desktop',
    'target:',
    `  disk: ${disk}`,
    '  layout: gpt-bios',
    '  swap: none',
    'hostname: paths-test',
    'user:',
    '  name: alice',
    '  password: "pw-long-enough"',
    'bootloader: none',
    '',
  ].join('\n');
}

describe.skipIf(!isRoot)('output paths: --log never destroys what it names; the medium is known by inode (needs root)', () => {
  let fx: Composed;
  let dir: string;
  let image: string;
  let config: string;
  let common: string[];

  beforeAll(async () => {
    dir = mkdtempSync('/tmp/lk-paths-');
    // A private copy of the fixture medium: a regression here must never damage the shared cache.
    await execa('cp', ['-a', await fixtureMedium(), join(dir, 'medium')]);
    fx = await composeFixture(join(dir, 'medium'));
    // An installed-looking image: a partition table on a sparse file.
    image = join(dir, 'disk.img');
    await makeImage(image, 2 * GiB);
    await execa('sh', ['-c', `printf 'label: gpt\\nsize=1MiB,type=21686148-6449-6E6F-744E-656564454649\\n,,L\\n' | sfdisk -q ${image}`]);
    config = join(dir, 'answers.yaml');
    writeFileSync(config, answers(image));
    writeFileSync(join(dir, 'cmdline'), 'root=livekit:CDLABEL=X\n');
    common = ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline')];
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const install = (log: string, extra: string[] = []) => runCli(['install', '--yes', '--json', '--config', config, ...common, '--log', log, ...extra]);

  it('--log at the target image: exit 2, the image byte-identical', async () => {
    const before = await sha256File(image);
    const r = await install(image);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(image);
    expect(r.stderr).toMatch(/target/);
    expect(await sha256File(image)).toBe(before);
  });

  it('--log at another installed-looking image: exit 2, byte-identical', async () => {
    const other = join(dir, 'other.img');
    await makeImage(other, 1 * GiB);
    await execa('sh', ['-c', `printf 'label: dos\\n,,83\\n' | sfdisk -q ${other}`]);
    const before = await sha256File(other);
    const r = await install(other);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/not a LiveKit log/);
    expect(await sha256File(other)).toBe(before);
  });

  it('--log at the answer file: exit 2, the answer file byte-identical', async () => {
    const before = await sha256File(config);
    const r = await install(config);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/answer file/);
    expect(await sha256File(config)).toBe(before);
  });

  it('--log at a file on the medium, or a new file inside it: exit 2, nothing written there', async () => {
    const onMedium = join(fx.medium, 'livekit', 'sysroots.json');
    const before = await sha256File(onMedium);
    const r = await install(onMedium);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Live medium/);
    expect(await sha256File(onMedium)).toBe(before);
    const fresh = join(fx.medium, 'livekit', 'new.log');
    const n = await install(fresh);
    expect(n.code, n.stderr).toBe(2);
    expect(n.stderr).toMatch(/Live medium/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('--log at a loop device: exit 2 before anything, its backing image byte-identical', async () => {
    const backing = join(dir, 'loop.img');
    await makeImage(backing, 64 * 1024 ** 2);
    await execa('sh', ['-c', `printf 'label: dos\\n,,83\\n' | sfdisk -q ${backing}`]);
    const before = await sha256File(backing);
    await withCleanup(async (defer) => {
      const loop = await attachImage(backing);
      defer(loop.detach);
      const r = await install(loop.device);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/device/);
    });
    expect(await loopsBacking([backing])).toEqual([]);
    expect(await sha256File(backing)).toBe(before);
  });

  it('--log at a FIFO: exit 2 at once, no hang', async () => {
    const fifo = join(dir, 'log.fifo');
    await execa('mkfifo', [fifo]);
    // Before the fix, opening the FIFO blocked forever: a deadline turns a hang into a failure.
    const r = await execa(BIN, ['install', '--yes', '--json', '--config', config, ...common, '--log', fifo], { reject: false, stdin: 'ignore', timeout: 30_000, env: { LANG: 'C.UTF-8' } });
    expect(r.timedOut, 'the CLI hung on the FIFO').toBe(false);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/FIFO/);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('--log at a new path: the install runs and its log is there; a second install appends to it', async () => {
    const logDir = join(dir, 'logs', 'deeper');
    const log = join(logDir, 'install.log');
    const first = await install(log);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonEvents(first.stdout).at(-1)).toMatchObject({ type: 'done', ok: true });
    const text1 = readFileSync(log, 'utf8');
    expect(text1.startsWith('{"type":"plan"')).toBe(true);
    expect(statSync(log).mode & 0o777).toBe(0o600);

    const second = await install(log);
    expect(second.code, second.stderr).toBe(0);
    const text2 = readFileSync(log, 'utf8');
    expect(text2.startsWith(text1)).toBe(true); // the first install's lines are still there, first
    const plans = text2.split('\n').filter((l) => l.startsWith('{"type":"plan"'));
    expect(plans).toHaveLength(2);
    expect(await loopsBacking([image])).toEqual([]);
  });

  it('a hard link and a bind mount of a file on the medium are the medium: plan refuses them (exit 3, live-medium)', async () => {
    const layer = join(fx.medium, 'livekit', 'base.squashfs');
    const before = await sha256File(layer);
    const hard = join(dir, 'hardlink.img');
    linkSync(layer, hard);
    await withCleanup(async (defer) => {
      defer(async () => rmSync(hard, { force: true }));
      const bindFile = join(dir, 'bind-file.img');
      writeFileSync(bindFile, '');
      await execa('mount', ['--bind', layer, bindFile]);
      defer(async () => void (await execa('umount', [bindFile], { reject: false })));
      const bindDir = join(dir, 'bind-medium');
      mkdirSync(bindDir);
      await execa('mount', ['--bind', fx.medium, bindDir]);
      defer(async () => void (await execa('umount', [bindDir], { reject: false })));

      // A new image made through the bind: not a medium file, but inside the medium's folder (by its identity).
      const throughBind = join(bindDir, 'through-bind.img');
      await makeImage(throughBind, 2 * GiB);
      defer(async () => rmSync(throughBind, { force: true }));

      for (const disk of [hard, bindFile, join(bindDir, 'livekit', 'base.squashfs'), throughBind]) {
        const file = join(dir, 'medium-target.yaml');
        writeFileSync(file, answers(disk));
        const p = await runCli(['plan', '--json', '--config', file, ...common]);
        expect(p.code, `${disk}: ${p.stderr}`).toBe(3);
        const out = JSON.parse(p.stdout) as { refusals: { disk: string; refusals: { code: string }[] }[] };
        expect(out.refusals.flatMap((r) => r.refusals.map((x) => x.code)), disk).toContain('live-medium');
      }
    });
    expect(await sha256File(layer)).toBe(before);
  });
});
