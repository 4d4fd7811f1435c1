// The executor's ordering, placeholder resolution, secret handling and release-on-failure, with a recording runner.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execute } from '../../electron/engine/run/executor.ts';
import { CommandError, RecordingRunner, type CommandRunner } from '../../electron/engine/run/runner.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';
import type { Plan } from '../../electron/shared/plan.ts';
import { partitionDevice, resolvePlaceholders } from '../../electron/engine/run/placeholders.ts';
import type { Copier } from '../../electron/engine/run/copier.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-exec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function makePlan(root: string): Plan {
  return {
    version: 1,
    answers: {
      version: 1,
      variant: 'base',
      target: { disk: '/tmp/x.img', layout: 'gpt-bios', filesystem: 'ext4', swap: 'none' },
      hostname: 'pc',
      timezone: 'UTC',
      rtc: 'utc',
      bootloader: 'none',
      user: { name: 'alice', password: 'set', admin: true, autologin: false },
      root: 'locked',
    },
    variant: { name: 'base', path: '/sysroots/base', sizeBytes: 1000, inodes: 10 },
    erase: { path: '/tmp/x.img', sizeBytes: 1 << 30, image: true },
    firmware: 'bios',
    partitionTable: 'gpt',
    partitions: [
      { role: 'bios', number: 1 },
      { role: 'root', number: 2, fs: { type: 'ext4', uuid: 'u-1', format: true, mountpoint: '/' } },
    ],
    targetRoot: root,
    locale: 'en_US.UTF-8',
    effects: [],
    steps: [
      { id: 'attach', label: 'plan:step.attach', weight: 1, actions: [{ kind: 'attach-image', image: '/tmp/x.img' }] },
      { id: 'format', label: 'plan:step.format', weight: 1, actions: [{ kind: 'run', argv: ['mkfs.ext4', '-U', 'u-1', '{part:root}'] }] },
      { id: 'mount', label: 'plan:step.mount', weight: 1, actions: [{ kind: 'mount', source: '{part:root}', target: root }] },
      { id: 'copy', label: 'plan:step.copy', weight: 10, actions: [{ kind: 'copy', source: '/sysroots/base', target: root, totalBytes: 1000, totalFiles: 10 }] },
      { id: 'hostname', label: 'plan:step.hostname', weight: 1, actions: [{ kind: 'write-file', path: `${root}/etc/hostname`, content: 'pc\n' }] },
      {
        id: 'user',
        label: 'plan:step.user',
        weight: 1,
        actions: [
          { kind: 'run', chroot: true, argv: ['useradd', '-m', 'alice'] },
          { kind: 'run', chroot: true, argv: ['chpasswd'], stdinSecret: { ref: 'user.password', template: 'alice:{secret}\n' } },
        ],
      },
      { id: 'log', label: 'plan:step.log', weight: 1, actions: [{ kind: 'save-log', path: `${root}/var/log/livekit-installer.log` }] },
      { id: 'unmount', label: 'plan:step.unmount', weight: 1, actions: [{ kind: 'release' }] },
    ],
  };
}

/** A copier that reports progress the way rsync would, without copying (pure executor logic). */
const fakeCopier: Copier = {
  async copy(req) {
    req.onProgress({ bytes: 500, total: 1000, rate: 100, eta: 5, percent: 50 });
    req.onProgress({ bytes: 1000, total: 1000, rate: 100, eta: 0, percent: 100 });
  },
};

describe('placeholders', () => {
  it('names partitions with the p separator where the disk ends in a digit', () => {
    expect(partitionDevice('/dev/sda', 1)).toBe('/dev/sda1');
    expect(partitionDevice('/dev/loop3', 2)).toBe('/dev/loop3p2');
    expect(partitionDevice('/dev/nvme0n1', 1)).toBe('/dev/nvme0n1p1');
    expect(partitionDevice('/dev/mmcblk0', 1)).toBe('/dev/mmcblk0p1');
    expect(resolvePlaceholders('{disk} {part:root}', '/dev/vdb', { root: '/dev/vdb2' })).toBe('/dev/vdb /dev/vdb2');
    expect(() => resolvePlaceholders('{part:esp}', '/dev/vdb', {})).toThrow(/part:esp/);
  });
});

describe('execute', () => {
  it('runs the steps in order, resolves placeholders, feeds the secret through stdin only', async () => {
    const root = join(dir, 'target');
    const runner = new RecordingRunner((argv) => (argv[0] === 'losetup' && argv[1] === '--find' ? { stdout: '/dev/loop7\n' } : undefined));
    const stdins: string[] = [];
    const spy: CommandRunner = {
      run: (argv, o) => {
        if (o?.stdin) stdins.push(o.stdin);
        return runner.run(argv, o);
      },
    };
    const events: InstallEvent[] = [];
    const logFile = join(dir, 'log.jsonl');
    const r = await execute(makePlan(root), { runner: spy, secrets: { 'user.password': 'Tr0ub4dor&3' }, onEvent: (e) => events.push(e), logFile, copier: fakeCopier });
    expect(r).toEqual({ ok: true, cancelled: false });
    expect(runner.commands.map((c) => c.argv)).toEqual([
      ['losetup', '--find', '--show', '--partscan', '/tmp/x.img'],
      ['mkfs.ext4', '-U', 'u-1', '/dev/loop7p2'],
      ['mount', '/dev/loop7p2', root],
      ['chroot', root, 'useradd', '-m', 'alice'],
      ['chroot', root, 'chpasswd'],
      ['umount', root],
      ['losetup', '-d', '/dev/loop7'],
    ]);
    expect(stdins).toEqual(['alice:Tr0ub4dor&3\n']);
    expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe('pc\n');
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toContain('Tr0ub4dor');
    expect(JSON.stringify(events)).not.toContain('Tr0ub4dor');
    // The saved log holds the events up to the save.
    expect(readFileSync(join(root, 'var/log/livekit-installer.log'), 'utf8')).toContain('"type":"plan"');
    // Progress never goes backwards and reaches 100.
    const pct = events.filter((e) => e.type === 'progress').map((e) => (e as { percent: number }).percent);
    expect(pct.every((p, i) => i === 0 || p >= pct[i - 1]!)).toBe(true);
    expect(pct.at(-1)).toBe(100);
    expect(events.at(-1)).toEqual({ type: 'done', ok: true, logPath: logFile });
    const starts = events.filter((e) => e.type === 'step' && e.state === 'start').map((e) => (e as { step: string }).step);
    expect(starts).toEqual(['attach', 'format', 'mount', 'copy', 'hostname', 'user', 'log', 'unmount']);
  });

  it('on a failing step: error event with step, argv and stderr tail, then releases in reverse', async () => {
    const root = join(dir, 'target');
    const rec = new RecordingRunner((argv) => (argv[0] === 'losetup' && argv[1] === '--find' ? { stdout: '/dev/loop7\n' } : undefined));
    const runner: CommandRunner = {
      run: async (argv, o) => {
        if (argv.includes('useradd')) {
          await rec.run(argv, o);
          throw new CommandError(argv, 9, 'useradd: user alice exists, password Tr0ub4dor&3\n');
        }
        return rec.run(argv, o);
      },
    };
    const events: InstallEvent[] = [];
    const r = await execute(makePlan(root), { runner, secrets: { 'user.password': 'Tr0ub4dor&3' }, onEvent: (e) => events.push(e), logFile: join(dir, 'l'), copier: fakeCopier });
    expect(r).toEqual({ ok: false, cancelled: false, failedStep: 'user' });
    const err = events.find((e) => e.type === 'error');
    expect(err).toMatchObject({ type: 'error', step: 'user', command: ['chroot', root, 'useradd', '-m', 'alice'] });
    expect((err as { stderrTail: string }).stderrTail).toContain('user alice exists');
    expect(JSON.stringify(events)).not.toContain('Tr0ub4dor');
    expect(rec.commands.slice(-2).map((c) => c.argv)).toEqual([
      ['umount', root],
      ['losetup', '-d', '/dev/loop7'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
  });

  it('falls back to a lazy unmount when umount fails', async () => {
    const root = join(dir, 'target');
    const rec = new RecordingRunner((argv) => {
      if (argv[0] === 'losetup' && argv[1] === '--find') return { stdout: '/dev/loop7\n' };
      if (argv[0] === 'umount' && argv.length === 2) return { code: 32, stderr: 'target is busy' };
      return undefined;
    });
    const r = await execute(makePlan(root), { runner: rec, secrets: { 'user.password': 'x' }, onEvent: () => {}, logFile: join(dir, 'l'), copier: fakeCopier });
    expect(r.ok).toBe(true);
    expect(rec.commands.map((c) => c.argv).slice(-5)).toEqual([['umount', root], ['umount', root], ['umount', root], ['umount', '-l', root], ['losetup', '-d', '/dev/loop7']]);
  });

  it('cancel during the copy releases everything and reports cancelled', async () => {
    const root = join(dir, 'target');
    const rec = new RecordingRunner((argv) => (argv[0] === 'losetup' && argv[1] === '--find' ? { stdout: '/dev/loop7\n' } : undefined));
    const ac = new AbortController();
    const cancellingCopier: Copier = {
      async copy(req) {
        ac.abort();
        throw new CommandError(['rsync'], 143, '', true);
      },
    };
    const events: InstallEvent[] = [];
    const r = await execute(makePlan(root), { runner: rec, secrets: {}, signal: ac.signal, onEvent: (e) => events.push(e), logFile: join(dir, 'l'), copier: cancellingCopier });
    expect(r).toEqual({ ok: false, cancelled: true, failedStep: 'copy' });
    expect(events.some((e) => e.type === 'cancelled')).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(rec.commands.map((c) => c.argv).slice(-2)).toEqual([['umount', root], ['losetup', '-d', '/dev/loop7']]);
    expect(existsSync(join(dir, 'l'))).toBe(true);
  });

  it('fails the step when the plan needs a secret that was not given', async () => {
    const rec = new RecordingRunner((argv) => (argv[0] === 'losetup' && argv[1] === '--find' ? { stdout: '/dev/loop7\n' } : undefined));
    const events: InstallEvent[] = [];
    const r = await execute(makePlan(join(dir, 't')), { runner: rec, secrets: {}, onEvent: (e) => events.push(e), logFile: join(dir, 'l'), copier: fakeCopier });
    expect(r.failedStep).toBe('user');
    expect(events.find((e) => e.type === 'error')).toMatchObject({ message: expect.stringContaining('user.password') });
  });
});

describe('redaction', () => {
  it('keeps the log valid JSON and paths intact whatever the password is', async () => {
    for (const password of ['"', '\\', 'type', 'exec', 'e']) {
      const root = join(dir, 'target');
      const rec = new RecordingRunner((argv) => {
        if (argv[0] === 'losetup' && argv[1] === '--find') return { stdout: '/dev/loop7\n' };
        if (argv[0] === 'chroot' && argv[2] === 'chpasswd') return { code: 1, stderr: `bad password ${password} for alice\n` };
        return undefined;
      });
      const events: InstallEvent[] = [];
      const logFile = join(dir, 'exec.log');
      await execute(makePlan(root), { runner: rec, secrets: { 'user.password': password }, onEvent: (e) => events.push(e), logFile, copier: fakeCopier });
      const lines = readFileSync(logFile, 'utf8').trim().split('\n');
      expect(() => lines.map((l) => JSON.parse(l))).not.toThrow();
      const err = events.find((e) => e.type === 'error') as { stderrTail: string };
      expect(err.stderrTail.startsWith('bad password *** for alic')).toBe(true);
      expect(events.at(-1)).toEqual({ type: 'done', ok: false, logPath: logFile });
    }
  });
});
