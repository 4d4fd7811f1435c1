// The event hub's subscribers are isolated from each other and from the install that publishes: one that
// fails or stops reading changes nothing for the others, and a stalled one holds a bounded backlog.
import { describe, expect, it } from 'vitest';
import { EventHub, MAX_BACKLOG } from '../../electron/engine/service/hub.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';
import { reduceInstall } from '../../electron/shared/install-state.ts';
import type { ServiceMessage } from '../../electron/shared/service.ts';

const progress = (bytes: number): InstallEvent => ({ type: 'progress', step: 'copy', percent: bytes / 100, bytes, total: 10_000, rate: 1, eta: 1 });
const tick = () => new Promise((r) => setImmediate(r));

/** Reads `n` messages of a stream (or all until abort) into `into`, throwing at message `throwAt`. */
async function consume(stream: AsyncGenerator<ServiceMessage>, into: ServiceMessage[], throwAt = Infinity): Promise<void> {
  for await (const m of stream) {
    into.push(m);
    if (into.length === throwAt) throw new Error('this client broke');
  }
}

describe('EventHub subscribers', () => {
  it('a subscriber whose consumer throws is removed; publishing and the others go on', async () => {
    const hub = new EventHub();
    const broken: ServiceMessage[] = [];
    const healthy: ServiceMessage[] = [];
    const ac = new AbortController();
    const failing = consume(hub.stream(), broken, 2).catch((e: Error) => e.message);
    const ok = consume(hub.stream(ac.signal), healthy);
    await tick();
    for (let i = 1; i <= 5; i++) {
      expect(() => hub.publish(progress(i))).not.toThrow();
      await tick();
    }
    expect(await failing).toBe('this client broke');
    ac.abort();
    await ok;
    expect(broken).toHaveLength(2);
    expect(healthy.map((m) => m.type)).toEqual(['snapshot', 'event', 'event', 'event', 'event', 'event']);
    expect(hub.snapshot().phase).not.toBeUndefined();
  });

  it('a subscriber that stops reading keeps at most MAX_BACKLOG messages and catches up from a snapshot', async () => {
    const hub = new EventHub();
    const stalled = hub.stream();
    const first = await stalled.next(); // subscribed; then it reads nothing while the install goes on
    expect(first.value).toMatchObject({ type: 'snapshot' });
    const live: ServiceMessage[] = [];
    const ac = new AbortController();
    const reading = consume(hub.stream(ac.signal), live);
    await tick();
    const n = MAX_BACKLOG * 3 + 7;
    for (let i = 1; i <= n; i++) {
      hub.publish(progress(i));
      if (i % 100 === 0) await tick(); // the reading client gets its turn, as between real progress lines
    }
    await tick();
    // The stalled client resumes: a snapshot, then at most the backlog; folded, they are the current state.
    const resumed: ServiceMessage[] = [];
    let pending = stalled.next();
    for (;;) {
      const r = await Promise.race([pending, tick().then(() => null)]);
      if (!r) break; // drained: `pending` now waits for the next message
      resumed.push(r.value as ServiceMessage);
      pending = stalled.next();
    }
    hub.publish({ type: 'log', level: 'info', message: 'last' });
    resumed.push((await pending).value as ServiceMessage);
    expect(resumed[0]).toMatchObject({ type: 'snapshot' });
    expect(resumed.length).toBeLessThanOrEqual(MAX_BACKLOG + 1);
    const folded = resumed.slice(1).reduce((st, m) => (m.type === 'event' ? reduceInstall(st, m.event) : m.state), (resumed[0] as Extract<ServiceMessage, { type: 'snapshot' }>).state);
    expect(folded).toEqual(hub.snapshot());
    await stalled.return(undefined);
    ac.abort();
    await reading;
    expect(live).toHaveLength(1 + n + 1); // the reading client missed nothing
  });
});
