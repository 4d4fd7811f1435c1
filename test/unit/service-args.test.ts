// The demo's guard: a demo plan or install never targets anything but its images (serve's options: cli-args.test.ts).
import { describe, expect, it } from 'vitest';
import { DemoEngine } from '../../electron/engine/service/demo-engine.ts';

describe('demo guard', () => {
  it('refuses to plan or install onto anything but the demo images, before looking at the machine', async () => {
    const engine = new DemoEngine({ images: ['/tmp/demo-a.img'], flakyImage: '/tmp/demo-a.img', partitionedDisk: '/dev/loop999' }, { cmdline: '', logDir: '/nonexistent', targetBase: '/nonexistent' });
    const raw = { version: 1, variant: 'base', hostname: 'h', target: { disk: '/dev/sda' }, user: { name: 'a', password: 'pass' } };
    const planned = await engine.plan(raw);
    expect(planned).toMatchObject({ ok: false, problems: [{ path: 'target.disk', code: 'app:problem.demo-target', params: { disk: '/dev/sda' } }] });
    expect(await engine.validate(raw)).toMatchObject([{ path: 'target.disk', code: 'app:problem.demo-target' }]);
    const parts = { ...raw, target: { partitions: { root: '/dev/sdb2', efi: '/dev/loop999p1' } } };
    expect(await engine.plan(parts)).toMatchObject({ ok: false, problems: [{ path: 'target.partitions.root', params: { disk: '/dev/sdb2' } }] });
    expect(((await engine.plan(parts)) as { problems: unknown[] }).problems).toHaveLength(1);
    // No plan was kept, so nothing can be installed.
    let ran = false;
    await expect(engine.install('no-such-plan', { signal: new AbortController().signal, onEvent: () => (ran = true) })).rejects.toThrow(/No plan/);
    expect(ran).toBe(false);
  });
});
