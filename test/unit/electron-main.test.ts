// The Electron shell's main-process logic without the Electron binary: window options, navigation rules,
// the engine's address and token handed to the installer's frame over IPC, and launching the real engine service (and failing to) as a child process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLiveInstallerSession, windowOptions } from '../../electron/main/window.ts';
import { allowPermission, isAllowedNavigation } from '../../electron/main/navigation.ts';
import { attachEngine, EngineLaunchError, engineCommand, launchEngine, launchFailureMessage, parseEngineUrl } from '../../electron/main/engine-launch.ts';
import { engineHandoff } from '../../electron/main/engine-handoff.ts';

const engine = { origin: 'http://127.0.0.1:4321', token: 'abcdefghijklmnopqrstuvwxyz012345' };

describe('window options', () => {
  it('is full screen only in the Live installer session, and always locked down', () => {
    const live = windowOptions({ liveSession: true, preloadPath: '/p.cjs' });
    const normal = windowOptions({ liveSession: false, preloadPath: '/p.cjs' });
    expect(live.fullscreen).toBe(true);
    expect(normal.fullscreen).toBe(false);
    for (const o of [live, normal]) {
      expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, preload: '/p.cjs' });
    }
    // Nothing of the token on the renderer's command line (/proc/*/cmdline is world-readable).
    for (const o of [live, normal]) {
      expect(o.webPreferences?.additionalArguments).toBeUndefined();
      expect(JSON.stringify(o)).not.toContain(engine.token);
    }
    expect(isLiveInstallerSession({ LIVEKIT_INSTALLER_SESSION: '1' })).toBe(true);
    expect(isLiveInstallerSession({ XDG_SESSION_DESKTOP: 'gnome' })).toBe(false);
  });
  it("hands the engine's address and token over IPC to the installer window's engine frame only", () => {
    const handoff = engineHandoff(engine, () => 7);
    expect(handoff({ webContentsId: 7, frameUrl: 'http://127.0.0.1:4321/' })).toEqual({ engineUrl: engine.origin, token: engine.token });
    expect(() => handoff({ webContentsId: 8, frameUrl: 'http://127.0.0.1:4321/' })).toThrow(/refused/);
    expect(() => handoff({ webContentsId: 7, frameUrl: 'http://127.0.0.1:4322/' })).toThrow(/refused/);
    expect(() => handoff({ webContentsId: 7, frameUrl: 'https://evil.example/' })).toThrow(/refused/);
    expect(() => handoff({ webContentsId: 7, frameUrl: undefined })).toThrow(/refused/);
    // A window already closed has no frame that may ask.
    expect(() => engineHandoff(engine, () => null)({ webContentsId: 7, frameUrl: 'http://127.0.0.1:4321/' })).toThrow(/refused/);
  });
});

describe('navigation', () => {
  it('allows only the engine origin and refuses every permission', () => {
    expect(isAllowedNavigation('http://127.0.0.1:4321/', 'http://127.0.0.1:4321')).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:4322/', 'http://127.0.0.1:4321')).toBe(false);
    expect(isAllowedNavigation('https://example.com/', 'http://127.0.0.1:4321')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', 'http://127.0.0.1:4321')).toBe(false);
    expect(isAllowedNavigation('not a url', 'http://127.0.0.1:4321')).toBe(false);
    expect(allowPermission('media')).toBe(false);
  });
});

describe('engine launch', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lk-launch-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>r</title>');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses pkexec only when not root', () => {
    expect(engineCommand({ isRoot: false, livekit: ['/usr/bin/livekit'] })).toEqual(['pkexec', '/usr/bin/livekit', 'serve']);
    expect(engineCommand({ isRoot: true, livekit: ['/usr/bin/livekit'], demo: true })).toEqual(['/usr/bin/livekit', 'serve', '--demo']);
  });

  it('accepts only a loopback URL with a token', () => {
    expect(parseEngineUrl('livekit serve: open http://127.0.0.1:8080/?token=aaaaaaaaaaaaaaaaaaaa\n')?.origin).toBe('http://127.0.0.1:8080');
    expect(parseEngineUrl('open http://10.0.0.1:80/?token=aaaaaaaaaaaaaaaaaaaa')).toBeNull();
    expect(parseEngineUrl('open http://127.0.0.1:80/')).toBeNull();
  });

  it('starts the real engine service and reads its address and token', async () => {
    const e = await launchEngine(
      engineCommand({ isRoot: true, livekit: ['bin/livekit'], extra: ['--renderer', dir, '--cmdline-file', '/dev/null'] }),
      { timeoutMs: 60_000 },
    );
    try {
      expect(e.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(e.token.length).toBeGreaterThanOrEqual(32);
      expect((await fetch(`${e.origin}/?token=wrong`)).status).toBe(401);
      const ok = await fetch(e.url, { redirect: 'manual' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('set-cookie')).toBeNull();
    } finally {
      e.stop();
      await new Promise((r) => e.child.once('exit', r));
    }
  });

  it('reports an engine that exits before it is ready, with its stderr', async () => {
    const err = await launchEngine([process.execPath, '-e', "process.stderr.write('no medium found'); process.exit(2)"]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(EngineLaunchError);
    expect(err).toMatchObject({ reason: 'exited', detail: 'no medium found' });
    expect((err as Error).message).toContain('exit code 2');
    expect(launchFailureMessage(err)).toContain('no medium found');
  });

  it('reports a refused pkexec authorization as such', async () => {
    // A stand-in named pkexec that exits like pkexec does when the user dismisses the dialog (126).
    const fake = join(dir, 'pkexec');
    writeFileSync(fake, '#!/bin/sh\necho "Error executing command as another user: Not authorized" >&2\nexit 126\n', { mode: 0o755 });
    const err = await launchEngine(['pkexec', 'livekit', 'serve'], { spawnOptions: { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } } }).catch((x: unknown) => x);
    expect(err).toMatchObject({ reason: 'not-authorized' });
    expect(launchFailureMessage(err)).toMatch(/^Installing needs administrator rights[\s\S]*Not authorized/);
  });

  it('reports a missing program and a silent engine', async () => {
    await expect(launchEngine(['/nonexistent/livekit', 'serve'])).rejects.toMatchObject({ reason: 'not-found' });
    await expect(launchEngine(['sleep', '30'], { timeoutMs: 300 })).rejects.toMatchObject({ reason: 'timeout' });
  });
});

describe('attaching to the Live session engine (livekit serve --url-file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-attach-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:39999/?token=${engine.token}`;

  it('reads the address and token from the URL file, waiting for it while the service starts', async () => {
    const file = join(dir, 'url');
    setTimeout(() => writeFileSync(file, `${url}\n`, { mode: 0o600 }), 150);
    const e = await attachEngine(file, { timeoutMs: 5000, pollMs: 20 });
    expect(e).toMatchObject({ origin: 'http://127.0.0.1:39999', token: engine.token });
    e.stop(); // the system's service: nothing to stop, and no throw
  });
  it('a file without a loopback URL is refused without echoing a token', async () => {
    const file = join(dir, 'bad');
    writeFileSync(file, 'http://10.0.0.5:80/?token=zzzzzzzzzzzzzzzzzzzzzzzz\n');
    const err = await attachEngine(file, { timeoutMs: 1000, pollMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineLaunchError);
    expect((err as EngineLaunchError).reason).toBe('bad-output');
    expect(JSON.stringify({ m: (err as Error).message, d: (err as EngineLaunchError).detail })).not.toContain('zzzzzzzz');
  });
  it('no file in time is a timeout the dialog explains', async () => {
    const err = await attachEngine(join(dir, 'never'), { timeoutMs: 100, pollMs: 20 }).catch((e: unknown) => e);
    expect((err as EngineLaunchError).reason).toBe('timeout');
    expect(launchFailureMessage(err)).toMatch(/did not answer in time/);
  });
});
