// The executor's own log (issue #21): opened without truncating (a new file, or a LiveKit log appended
// to; anything else refused and left byte-identical), and `save-log` confined to the target, so a link in
// the copied system cannot send the log onto the Live system. A recording runner; temp dirs as targets.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execute } from '../../electron/engine/run/executor.ts';
import { RecordingRunner } from '../../electron/engine/run/runner.ts';
import type { ExecutablePlan } from '../../electron/shared/plan.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lk-run-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function savePlan(root: string): ExecutablePlan {
  return {
    partitions: [],
    targetRoot: root,
    steps: [{ id: 'log', label: 'plan:step.log', weight: 1, actions: [{ kind: 'save-log', path: `${root}/var/log/livekit-installer.log` }] }],
  };
}

const run = (plan: ExecutablePlan, logFile: string, events: InstallEvent[] = []) =>
  execute(plan, { runner: new RecordingRunner(), secrets: {}, onEvent: (e) => events.push(e), logFile });

describe('save-log', () => {
  it('lands inside the target when its /var/log is a symlink to an absolute host path', async () => {
    const root = join(dir, 'target');
    const host = join(dir, 'host-var-log'); // stands for the Live system's /var/log
    mkdirSync(join(root, 'var'), { recursive: true });
    mkdirSync(host);
    symlinkSync(host, join(root, 'var', 'log')); // absolute: inside the target it means <root><host>
    const r = await run(savePlan(root), join(dir, 'engine.log'));
    expect(r.ok).toBe(true);
    expect(readdirSync(host)).toEqual([]);
    // <root><host> does not exist: the link dangles inside the target and a real folder takes its place.
    const saved = join(root, 'var/log/livekit-installer.log');
    expect(readFileSync(saved, 'utf8')).toMatch(/log saved to/);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
  });

  it('follows that symlink inside the target, as the installed system would, when it leads somewhere there', async () => {
    const root = join(dir, 'target');
    const host = join(dir, 'host-var-log');
    mkdirSync(join(root, host), { recursive: true });
    mkdirSync(join(root, 'var'));
    mkdirSync(host);
    symlinkSync(host, join(root, 'var', 'log'));
    expect((await run(savePlan(root), join(dir, 'engine.log'))).ok).toBe(true);
    expect(readdirSync(host)).toEqual([]);
    expect(readFileSync(join(root, host, 'livekit-installer.log'), 'utf8')).toMatch(/log saved to/);
  });

  it('copies only this run\'s lines, appended to an earlier LiveKit log in the target', async () => {
    const root = join(dir, 'target');
    mkdirSync(join(root, 'var/log'), { recursive: true });
    const earlier = '{"type":"log","level":"info","message":"an earlier repair"}\n';
    writeFileSync(join(root, 'var/log/livekit-installer.log'), earlier);
    const engineLog = join(dir, 'engine.log');
    writeFileSync(engineLog, '{"type":"log","level":"info","message":"an earlier run of the engine"}\n');
    expect((await run(savePlan(root), engineLog)).ok).toBe(true);
    const saved = readFileSync(join(root, 'var/log/livekit-installer.log'), 'utf8');
    expect(saved.startsWith(earlier)).toBe(true);
    expect(saved).not.toContain('an earlier run of the engine');
    expect(saved).toMatch(/log saved to/);
  });
});

describe('the engine log', () => {
  const plan = (): ExecutablePlan => ({ partitions: [], targetRoot: join(dir, 'none'), steps: [] });

  it('is created with mode 0600 (and its folders), or appended to when it is a LiveKit log', async () => {
    const log = join(dir, 'a/b/install.log');
    expect((await run(plan(), log)).ok).toBe(true);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const first = readFileSync(log, 'utf8');
    expect(first).toMatch(/^\{"type":"done"/);
    expect((await run(plan(), log)).ok).toBe(true);
    const both = readFileSync(log, 'utf8');
    expect(both.startsWith(first)).toBe(true);
    expect(both.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('refuses an existing file that is not a LiveKit log, leaving it byte-identical', async () => {
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'my notes\n');
    await expect(run(plan(), other)).rejects.toMatchObject({ code: 'output-not-ours' });
    expect(readFileSync(other, 'utf8')).toBe('my notes\n');
  });
});
