// Bad answer files and refused targets: exit 2 or 3, a message naming the problem, and the disk image
// left byte-identical. Real CLI, real images, a real mounted loop device.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFixture, fixtureMedium, type Composed } from '../helpers/fixture.ts';
import { attachImage, makeImage, mountRo, sha256File, withCleanup } from '../helpers/image.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { loopsBacking } from '../helpers/system-state.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 ** 2;

function answers(disk: string, extra: Record<string, string> = {}): string {
  const v = { hostname: 'refuse-test', variant: 'desktop', user: 'alice', ...extra };
  return [
    'version: 1',
    `variant: ${v.variant}`,
    'target:',
    `  disk: ${disk}`,
    '  swap: none',
    `hostname: ${v.hostname}`,
    'user:',
    `  name: ${v.user}`,
    ...(extra['fullname'] ? [`  fullname: ${extra['fullname']}`] : []),
    `  password: ${extra['password'] ?? '"pw-long-enough"'}`,
    'bootloader: none',
    ...(extra['extraLine'] ? [extra['extraLine']] : []),
    '',
  ].join('\n');
}

describe.skipIf(!isRoot)('invalid answers and refused targets leave the disk untouched (needs root: loop devices, mounts)', () => {
  let fx: Composed;
  let dir: string;
  let image: string;
  let hash: string;
  let common: string[];

  beforeAll(async () => {
    fx = await composeFixture(await fixtureMedium());
    dir = mkdtempSync('/tmp/lk-refuse-');
    image = join(dir, 'disk.img');
    await makeImage(image, 256 * MiB);
    // Some recognisable content, so "identical" means something.
    await execa('sh', ['-c', `printf 'label: dos\\n,,83\\n' | sfdisk -q ${image}`]);
    hash = await sha256File(image);
    writeFileSync(join(dir, 'cmdline'), 'root=livekit:CDLABEL=X\n');
    common = ['--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline')];
  });
  afterAll(async () => {
    await fx?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; text: () => string; stderr: RegExp }[] = [
    { name: 'an unknown key', text: () => answers(image, { extraLine: 'colour: blue' }), stderr: /colour/ },
    { name: 'a bad host name', text: () => answers(image, { hostname: '-bad_host-' }), stderr: /hostname/ },
    { name: 'a reserved user name', text: () => answers(image, { user: 'root' }), stderr: /user\.name/ },
    { name: 'an unknown variant', text: () => answers(image, { variant: 'nope' }), stderr: /variant/ },
    { name: 'broken YAML', text: () => 'version: 1\ntarget: [unclosed\n', stderr: /answers\.yaml:\d+/ },
    // Issue 21, F6: validation said "valid" and the install failed at the user step, after the erase.
    { name: 'a NUL in the password', text: () => answers(image, { password: '"pw-long\\0root:x"' }), stderr: /user\.password: The password must not contain control characters/ },
    { name: 'a password of 512 bytes', text: () => answers(image, { password: 'a'.repeat(512) }), stderr: /user\.password: The password is too long: 512 bytes/ },
    { name: 'a NUL in the full name', text: () => answers(image, { fullname: '"Alice\\0Liddell"' }), stderr: /user\.fullname: The full name must not contain/ },
    { name: 'a tab in the full name', text: () => answers(image, { fullname: '"Alice\\tLiddell"' }), stderr: /user\.fullname: The full name must not contain/ },
  ];
  for (const c of cases) {
    it(`exit 2 for ${c.name}, through validate and install`, async () => {
      const file = join(dir, 'answers.yaml');
      writeFileSync(file, c.text());
      for (const cmd of [['validate'], ['install', '--yes']]) {
        const r = await runCli([...cmd, '--config', file, ...common]);
        expect(r.code, `${cmd[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(c.stderr);
      }
      expect(await sha256File(image)).toBe(hash);
    });
  }

  it('validate lists every problem at once', async () => {
    const file = join(dir, 'many.yaml');
    writeFileSync(file, answers(image, { hostname: 'bad_host', user: 'Root!', extraLine: 'colour: blue' }));
    const r = await runCli(['validate', '--config', file, ...common]);
    expect(r.code).toBe(2);
    for (const key of ['hostname', 'user.name', 'colour']) expect(r.stderr).toContain(key);
  });

  it('speaks Chinese when the command line says LANG=zh_CN.UTF-8', async () => {
    const file = join(dir, 'zh.yaml');
    writeFileSync(file, answers(image, { hostname: '-bad-' }));
    writeFileSync(join(dir, 'cmdline-zh'), 'root=livekit:CDLABEL=X LANG=zh_CN.UTF-8\n');
    const r = await runCli(['validate', '--config', file, '--medium', fx.medium, '--sysroots', fx.sysroots, '--cmdline-file', join(dir, 'cmdline-zh')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/问题/);
  });

  it('exit 2 without --yes when not on a terminal, naming the disk', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, answers(image));
    const r = await runCli(['install', '--config', file, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(image);
    expect(r.stderr).toContain('--yes');
    expect(await sha256File(image)).toBe(hash);
  });

  it('on a terminal without --yes: names the disk with its size, asks, and "no" changes nothing (exit 2)', async () => {
    const file = join(dir, 'tty.yaml');
    writeFileSync(file, answers(image));
    const cmd = [BIN, 'install', '--config', file, ...common].map((a) => `'${a}'`).join(' ');
    // `script` gives the CLI a real pseudo-terminal; the answer arrives once the prompt is up.
    const r = await execa('sh', ['-c', `(sleep 6; echo no) | script -qec "${cmd}" /dev/null`], { reject: false, env: { LANG: 'C.UTF-8' } });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain(image);
    expect(r.stdout).toContain('256 MiB');
    expect(r.stdout).toMatch(/Type "yes"/);
    expect(r.stdout).toMatch(/nothing was changed/);
    expect(await sha256File(image)).toBe(hash);
  });

  it('exit 3 for a disk image too small for the variant', async () => {
    const small = join(dir, 'small.img');
    await makeImage(small, 48 * MiB);
    const smallHash = await sha256File(small);
    const file = join(dir, 'small.yaml');
    writeFileSync(file, answers(small));
    const r = await runCli(['install', '--yes', '--config', file, ...common]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(small);
    const p = await runCli(['plan', '--json', '--config', file, ...common]);
    expect(p.code).toBe(3);
    expect(JSON.parse(p.stdout)).toMatchObject({ type: 'refused', exitCode: 3 });
    expect(p.stdout).toContain('too-small');
    expect(await sha256File(small)).toBe(smallHash);
  });

  it('exit 3 for a disk with a mounted filesystem, which stays mounted and unchanged', async () => {
    await withCleanup(async (defer) => {
      const disk = await attachImage(image);
      defer(disk.detach);
      // The image's only partition gets a filesystem in a copy, so the hashed image stays as it was.
      const fsImage = join(dir, 'fs.img');
      await makeImage(fsImage, 64 * MiB);
      await execa('mkfs.ext4', ['-q', fsImage]);
      const fsDisk = (await execa('losetup', ['--find', '--show', fsImage])).stdout.trim();
      defer(async () => void (await execa('losetup', ['-d', fsDisk], { reject: false })));
      const fsHash = await sha256File(fsImage);
      defer(await mountRo(fsDisk, join(dir, 'mounted')));
      const file = join(dir, 'mounted.yaml');
      writeFileSync(file, answers(fsDisk));
      const r = await runCli(['install', '--yes', '--config', file, ...common]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(fsDisk);
      expect(await sha256File(fsImage)).toBe(fsHash);
    });
    expect(await loopsBacking([image, join(dir, 'fs.img')])).toEqual([]);
    expect(await sha256File(image)).toBe(hash);
  });
});
