// The demo's guard: a demo plan or install never targets anything but its images (serve's options: cli-args.test.ts).
import { describe, expect, it } from 'vitest';
import { RealEngine } from '../../electron/engine/service/engine.ts';

describe('demo guard', () => {
  it('refuses to plan or install onto anything but the demo images, before looking at the machine', async () => {
    const engine = new RealEngine({ cmdline: '', demoImages: ['/tmp/demo-a.img'], logDir: '/nonexistent', targetBase: '/nonexistent' });
    const raw = { version: 1, variant: 'base', hostname: 'h', target: { disk: '/dev/sda' }, user: { name: 'a', password: 'p' } };
    const planned = await engine.plan(raw);
    expect(planned).toMatchObject({ ok: false, problems: [{ path: 'target.disk', code: 'app:problem.demo-target', params: { disk: '/dev/sda' } }] });
    let ran = false;
    const r = await engine.install(raw, { signal: new AbortController().signal, onEvent: () => (ran = true) });
    expect(r.ok).toBe(false);
    expect(ran).toBe(false);
  });
});
