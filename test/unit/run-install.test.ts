// prepareInstall's outcome and exit codes from recorded machine facts and a small sysroot directory.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, prepareInstall, TARGET_LOG_PATH } from '../../electron/engine/app/install.ts';
import type { MachineFacts } from '../../electron/shared/facts.ts';

const machine = JSON.parse(readFileSync(new URL('../fixtures/machines/machine-bios.json', import.meta.url), 'utf8')) as MachineFacts;
let dir: string;
let opts: { sysrootsDir: string; mediumDir: string; cmdline: string; machine: MachineFacts; logPath: string; targetBase: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-prep-'));
  const root = join(dir, 'sysroots', 'desktop');
  for (const d of ['etc', 'usr/sbin', 'usr/lib/modules']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/os-release'), 'NAME="Fixture"\nID=fixture\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:\n');
  for (const tool of ['useradd', 'chpasswd']) {
    writeFileSync(join(root, 'usr/sbin', tool), '#!/bin/sh\n');
    chmodSync(join(root, 'usr/sbin', tool), 0o755);
  }
  mkdirSync(join(dir, 'medium', 'livekit'), { recursive: true });
  writeFileSync(join(dir, 'medium/livekit/livekit.conf'), 'LAYERS=("base" "desktop")\nSYSROOT_LAYERS=("desktop")\nSYSROOT_DEP_desktop=("base" "desktop")\n');
  writeFileSync(join(dir, 'medium/livekit/sysroots.json'), JSON.stringify({ desktop: { size: 8 * 1024 ** 3, inodes: 100000, installable: true } }));
  opts = { sysrootsDir: join(dir, 'sysroots'), mediumDir: join(dir, 'medium'), cmdline: 'root=livekit:CDLABEL=X LANG=zh_CN.UTF-8', machine, logPath: join(dir, 'log'), targetBase: '/run/livekit' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const answers = (disk: string, extra: Record<string, unknown> = {}) => ({
  version: 1,
  variant: 'desktop',
  target: { disk, swap: 'none' },
  hostname: 'pc',
  user: { name: 'alice', password: 'hunter2' },
  bootloader: 'none',
  ...extra,
});

describe('prepareInstall', () => {
  it('valid answers on a free disk: a plan, the secrets apart, the locale from the command line', async () => {
    const p = await prepareInstall(answers('/dev/vdb'), opts);
    if (!p.ok) throw new Error(JSON.stringify(p));
    expect(p.exitCode).toBe(EXIT.ok);
    expect(p.plan.erase?.path).toBe('/dev/vdb');
    expect(p.plan.locale).toBe('zh_CN.UTF-8');
    expect(p.plan.targetRoot.startsWith('/run/livekit/livekit-target-')).toBe(true);
    expect(p.secrets).toEqual({ 'user.password': 'hunter2' });
    expect(JSON.stringify(p.plan)).not.toContain('hunter2');
    const save = p.plan.steps.flatMap((s) => s.actions).find((a) => a.kind === 'save-log');
    expect(save).toEqual({ kind: 'save-log', path: `${p.plan.targetRoot}${TARGET_LOG_PATH}` });
  });
  it('invalid answers: exit 2 with the problems', async () => {
    const p = await prepareInstall(answers('/dev/vdb', { hostname: '-x-' }), opts);
    expect(p).toMatchObject({ ok: false, exitCode: EXIT.invalid });
    expect(!p.ok && p.problems.map((x) => x.path)).toContain('hostname');
  });
  it('a refused disk: exit 3 with the reasons (the live medium, too small, zram)', async () => {
    for (const disk of ['/dev/sda', '/dev/sdc', '/dev/zram0']) {
      const p = await prepareInstall(answers(disk), opts);
      expect(p, disk).toMatchObject({ ok: false, exitCode: EXIT.refused });
      expect(!p.ok && p.refusals.flatMap((r) => r.refusals).length).toBeGreaterThan(0);
    }
  });
});
