// The CLI's one confirmation on a terminal: asks `question` on stderr, reads the answer; only the
// language's yes-words count as yes, and Ctrl-C at the prompt counts as cancelling.
import { createInterface } from 'node:readline/promises';
import type { TFunction } from 'i18next';

export async function askYes(t: TFunction, question: string): Promise<'yes' | 'no' | 'cancelled'> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const ac = new AbortController();
  rl.on('SIGINT', () => ac.abort());
  try {
    const answer = (await rl.question(question, { signal: ac.signal })).trim().toLowerCase();
    return t('cli:confirm.yesWords').split(',').includes(answer) ? 'yes' : 'no';
  } catch {
    return 'cancelled';
  } finally {
    rl.close();
  }
}
