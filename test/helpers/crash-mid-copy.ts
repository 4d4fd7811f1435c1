// A child process for the last-resort test: installs for real with a copier (through the Copier port)
// whose line handler schedules an exception nothing catches, mid-copy, while the target is mounted and
// its image attached. The process's last-resort handler must release everything and exit 1.
// Usage: node --import tsx crash-mid-copy.ts ANSWERS.json MEDIUM SYSROOTS LOG [exception|rejection]
import { readFileSync } from 'node:fs';
import { prepareInstall, runInstall } from '../../electron/engine/app/install.ts';
import { installLastResort } from '../../electron/engine/run/last-resort.ts';
import { rsyncArgv, type Copier } from '../../electron/engine/run/copier.ts';

const [answersFile, medium, sysroots, logPath, kind = 'exception'] = process.argv.slice(2) as [string, string, string, string, string?];

const crashingCopier: Copier = {
  async copy(req) {
    let thrown = false;
    await req.runner.run(rsyncArgv(req.source, req.target), {
      ...(req.signal ? { signal: req.signal } : {}),
      onLine: () => {
        if (thrown) return;
        thrown = true;
        process.stdout.write('crash-mid-copy: throwing\n');
        if (kind === 'rejection') void Promise.reject(new Error('injected: a promise nobody awaits'));
        else
          setImmediate(() => {
            throw new Error('injected: a bug outside any promise');
          });
      },
    });
    // Stay in the copy step (target mounted) until the crash.
    await new Promise(() => {});
  },
};

installLastResort('crash-mid-copy');
const p = await prepareInstall(JSON.parse(readFileSync(answersFile, 'utf8')), { mediumDir: medium, sysrootsDir: sysroots, cmdline: 'LANG=en_US.UTF-8', logPath });
if (!p.ok) {
  process.stderr.write(`not prepared: ${JSON.stringify(p)}\n`);
  process.exit(2);
}
// The last resort's kill of rsync also ends the install (failed); the handler's exit(1) is what ends us.
await runInstall(p, { onEvent: () => {}, copier: crashingCopier });
setTimeout(() => {
  process.stderr.write('crash-mid-copy: still alive 30 s after the install ended\n');
  process.exit(3);
}, 30_000);
