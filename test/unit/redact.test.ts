// The one redaction policy: secrets are hidden in free text only; an event's structure (keys, numbers,
// booleans, the plan) is never rewritten, whatever the password is: JSON words, keys, numbers,
// punctuation or regex metacharacters. The hub (the service's last line of defence) uses the same function.
import { describe, expect, it } from 'vitest';
import { redact, redactEvent, REDACTED } from '../../electron/engine/run/redact.ts';
import { EventHub } from '../../electron/engine/service/hub.ts';
import { checkPassword } from '../../electron/engine/answers/rules.ts';
import type { InstallEvent } from '../../electron/shared/events.ts';
import type { Plan } from '../../electron/shared/plan.ts';

const PASSWORDS = ['progress', 'true', 'type', '1', '32768', '"', '\\', '{}', '.*', '$&', 'null', 'version', 'step', '[redacted]', '***', 'a+b?', '(x)|y', '\\d+', 'done', 'plan'];

const plan = {
  version: 1,
  answers: { version: 1, variant: 'desktop', target: { disk: '/tmp/d.img' }, hostname: 'h', user: { name: 'alice', password: 'set' } },
  variant: { name: 'desktop', path: '/sysroots/desktop', sizeBytes: 32768, inodes: 1 },
  firmware: 'uefi',
  partitions: [],
  targetRoot: '/tmp/t',
  locale: 'en_US.UTF-8',
  swap: { kind: 'none' },
  steps: [
    { id: 'partition', label: 'plan:step.partition', weight: 1, actions: [] },
    { id: 'copy', label: 'plan:step.copy', weight: 8, actions: [] },
  ],
} as unknown as Plan;

/** An install's events whose free text echoes the password (the worst case: a tool printing it). */
function events(pw: string): InstallEvent[] {
  return [
    { type: 'plan', plan },
    { type: 'step', step: 'partition', label: 'plan:step.partition', index: 0, count: 2, state: 'start' },
    { type: 'log', level: 'debug', message: `chpasswd said: bad ${pw} for alice` },
    { type: 'step', step: 'partition', label: 'plan:step.partition', index: 0, count: 2, state: 'done' },
    { type: 'step', step: 'copy', label: 'plan:step.copy', index: 1, count: 2, state: 'start' },
    { type: 'progress', step: 'copy', bytes: 32768, total: 65536, rate: 1, eta: 1, percent: 50 },
    { type: 'error', step: 'copy', message: `failed with ${pw}`, code: 'x', params: { what: `p=${pw}`, n: 1 }, command: ['tool', pw], stderrTail: `${pw}\n` },
    { type: 'done', ok: false, logPath: '/tmp/l.log' },
  ];
}

describe('redact (text)', () => {
  it.each(PASSWORDS)('hides %j literally, no regex or replacement patterns', (pw) => {
    expect(redact(`a ${pw} b ${pw}`, [pw])).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact('nothing here', [pw === 'nothing' ? 'x' : pw]).includes(pw) && !'nothing here'.includes(pw)).toBe(false);
  });
  it('ignores empty and missing secrets', () => {
    expect(redact('text', ['', undefined])).toBe('text');
  });
});

describe('redactEvent', () => {
  it.each(PASSWORDS)('password %j: structure intact, free text scrubbed', (pw) => {
    for (const e of events(pw)) {
      const r = redactEvent(e, [pw]);
      if (e.type === 'log' || e.type === 'error') {
        expect(r.type).toBe(e.type);
        const text = r.type === 'log' ? [r.message] : r.type === 'error' ? [r.message, String(r.params!.what), ...r.command!, r.stderrTail!] : [];
        for (const t of text) expect(t).not.toContain(pw.length >= 4 ? pw : '\u0000never'); // short ones may be substrings of REDACTED-free text
        if (r.type === 'error') {
          expect(r.step).toBe('copy');
          expect(r.params!.n).toBe(1);
          expect(r.command![0]).toBe(pw === 'tool' ? REDACTED : 'tool');
          expect(r.command![1]).toBe(REDACTED);
          expect(r.stderrTail).toBe(`${REDACTED}\n`);
        }
      } else {
        // Structured events are returned as they are: the very same object.
        expect(r).toBe(e);
      }
    }
  });
});

describe('EventHub with any password', () => {
  it.each(PASSWORDS)('password %j: the folded state stays well-formed', (pw) => {
    const hub = new EventHub();
    hub.setSecrets([pw]);
    hub.reset();
    for (const e of events(pw)) hub.publish(e);
    const s = hub.snapshot();
    expect(s.phase).toBe('failed');
    expect(s.plan).toBe(plan);
    expect(s.steps.map((x) => x.state)).toEqual(['done', 'running']);
    expect(s.progress).toMatchObject({ bytes: 32768, total: 65536, percent: 50 });
    expect(s.percent).toBe(50);
    expect(s.logPath).toBe('/tmp/l.log');
    expect(s.error).toMatchObject({ step: 'copy', message: `failed with ${REDACTED}`, stderrTail: `${REDACTED}\n` });
    expect(s.log[0]).toBe(`chpasswd said: bad ${REDACTED} for alice`);
  });
});

describe('passwords too short to hide are refused by validation', () => {
  it.each(['1', '"', '\\', '{}', '.*', '$&', 'abc'])('%j is refused, naming the minimum', (pw) => {
    expect(checkPassword(pw)).toEqual([{ code: 'user.password-short', params: { min: 4 } }]);
  });
  it.each(['progress', 'true', 'type', '32768', '密码四字'])('%j is accepted', (pw) => {
    expect(checkPassword(pw)).toEqual([]);
  });
});
