// The Electron shell's main-process logic without the Electron binary: window options, navigation rules,
// the preload's arguments, and launching the real engine service (and failing to) as a child process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLiveInstallerSession, preloadArguments, windowOptions } from '../../electron/main/window.ts';
import { allowPermission, isAllowedNavigation } from '../../electron/main/navigation.ts';
import { EngineLaunchError, engineCommand, launchEngine, launchFailureMessage, parseEngineUrl } from '../../electron/main/engine-launch.ts';
import { engineFromArgv } from '../../electron/preload/args.ts';

const engine = { url: 'http://127.0.0.1:4321/?token=abcdefghijklmnopqrstuvwxyz012345', token: 'abcdefghijklmnopqrstuvwxyz012345' };

describe('window options', () => {
  it('is full screen only in the Live installer session, and always locked down', () => {
    const live = windowOptions({ liveSession: true, preloadPath: '/p.cjs', engine });
    const normal = windowOptions({ liveSession: false, preloadPath: '/p.cjs', engine });
    expect(live.fullscreen).toBe(true);
    expect(normal.fullscreen).toBe(false);
    for (const o of [live, normal]) {
      expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, preload: '/p.cjs' });
    }
    expect(isLiveInstallerSession({ LIVEKIT_INSTALLER_SESSION: '1' })).toBe(true);
    expect(isLiveInstallerSession({ XDG_SESSION_DESKTOP: 'gnome' })).toBe(false);
  });
  it('hands the preload only the engine origin and token, which it reads back', () => {
    const args = preloadArguments(engine);
    expect(args).toEqual(['--livekit-engine=http://127.0.0.1:4321', `--livekit-token=${engine.token}`]);
    expect(engineFromArgv(['electron', ...args])).toEqual({ engineUrl: 'http://127.0.0.1:4321', token: engine.token });
    expect(engineFromArgv(['--livekit-engine=http://evil.example', '--livekit-token=x'])).toBeNull();
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
      const denied = await fetch(`${e.origin}/`);
      expect(denied.status).toBe(401);
      const ok = await fetch(e.url, { redirect: 'manual' });
      expect(ok.status).toBe(303);
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
