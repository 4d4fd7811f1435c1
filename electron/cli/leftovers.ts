// What an interrupted earlier run left, in words: released at the start of `install`, `repair`, `autoinstall`
// and `serve` (said, never silent), and by `livekit cleanup`. What cannot be released stops an install, named
// with the programs that keep it busy.
import type { TFunction } from 'i18next';
import { defaultHeldDir } from '../engine/run/held-journal.ts';
import { describeHeld, releaseEarlierRuns, type NotReleased } from '../engine/run/leftovers.ts';
import { ExecaRunner } from '../engine/run/runner.ts';
import { EXIT } from '../engine/app/install.ts';

type Settled = Awaited<ReturnType<typeof releaseEarlierRuns>>;

/** Releases what killed runs left; returns what happened and its lines in `t`'s language. */
export async function releaseLeftoversSaid(t: TFunction): Promise<Settled & { lines: { released: string[]; notReleased: string[] } }> {
  const s = await releaseEarlierRuns(defaultHeldDir(), new ExecaRunner());
  return { ...s, lines: leftoverLines(t, s) };
}

function leftoverLines(t: TFunction, s: Settled): { released: string[]; notReleased: string[] } {
  const released = s.found
    .map((l) => ({ l, items: l.items.filter((r) => s.released.includes(r)) }))
    .filter((x) => x.items.length > 0)
    .map(({ l, items }) => t('cli:leftovers.released', { pid: l.owner.pid, what: l.what, items: items.map(describeHeld).join(', ') }));
  const notReleased = s.notReleased.map((n: NotReleased) =>
    t('cli:leftovers.notReleased', {
      item: describeHeld(n.record),
      reason: n.reason,
      users: n.users?.length ? n.users.map((u) => `pid ${u.pid} (${u.command})`).join(', ') : '-',
    }),
  );
  return { released, notReleased };
}

/**
 * Releases earlier runs' leftovers before an install or repair. Returns undefined to go on, or the exit
 * code when something could not be released (named on stderr, with `livekit cleanup`).
 */
export async function settleLeftovers(t: TFunction, json: boolean, write: { out: (s: string) => void; err: (s: string) => void }): Promise<number | undefined> {
  const s = await releaseLeftoversSaid(t);
  const { lines } = s;
  for (const l of lines.released) json ? write.out(JSON.stringify({ type: 'log', level: 'warn', message: l })) : write.err(t('cli:install.warn', { message: l }));
  if (!s.notReleased.length) return undefined;
  if (json) write.out(JSON.stringify({ type: 'refused', exitCode: EXIT.refused, leftovers: s.notReleased }));
  else [...lines.notReleased, t('cli:leftovers.hint')].forEach(write.err);
  return EXIT.refused;
}

/** `livekit cleanup`: releases every leftover of interrupted runs; exit 1 when some are still busy. */
export async function cmdCleanup(t: TFunction, json: boolean, write: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const s = await releaseLeftoversSaid(t);
  if (json) {
    write.out(JSON.stringify({ found: s.found, released: s.released, notReleased: s.notReleased }));
    return s.notReleased.length ? EXIT.failed : EXIT.ok;
  }
  const { lines } = s;
  if (!s.found.length) write.out(t('cli:leftovers.none'));
  lines.released.forEach(write.out);
  if (s.notReleased.length) [...lines.notReleased, t('cli:leftovers.hintCleanup')].forEach(write.err);
  return s.notReleased.length ? EXIT.failed : EXIT.ok;
}
