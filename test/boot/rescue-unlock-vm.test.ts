// This machine's kernel has no device-mapper, so no LUKS container can be opened here: the locked-system
// tests (test/integration/rescue-unlock.test.ts) run in a QEMU guest whose kernel has dm-crypt (the boot
// kit's Debian kernel), on this machine's own root shared read-only (helpers/dm-guest.ts). The CLI they run is
// the bundle the medium carries (scripts/mklive/bundle-engine.sh), which starts in seconds under TCG. This
// passes only when every test there ran and passed in the guest: none skipped. Where the kernel has
// dm-crypt, that file runs directly and this one has nothing to add.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { deviceMapperReady } from '../helpers/rescue-disk.ts';
import { isRoot, REPO } from './helpers/kit.ts';
import { runInDmGuest } from './helpers/dm-guest.ts';

const hostHasDm = isRoot && (await deviceMapperReady());
const qemu = (await execa('sh', ['-c', 'command -v qemu-system-x86_64'], { reject: false })).exitCode === 0;
if (!isRoot) console.warn('test/boot/rescue-unlock-vm: skipped (needs root: the guest runs the root tests, QEMU)');
else if (hostHasDm) console.warn('test/boot/rescue-unlock-vm: skipped (this kernel has dm-crypt: test/integration/rescue-unlock.test.ts runs directly)');
else if (!qemu) console.warn('test/boot/rescue-unlock-vm: skipped (no qemu-system-x86_64: scripts/host-deps installs it)');

const TEST_FILE = 'test/integration/rescue-unlock.test.ts';

describe.skipIf(!isRoot || hostHasDm || !qemu)('locked systems in a guest with dm-crypt (this kernel has none)', () => {
  // The guest sees this machine's /var/tmp (its /tmp is its own).
  const app = mkdtempSync('/var/tmp/lk-unlock-vm-');
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it(`runs ${TEST_FILE} in the guest: every test there passes, none skipped`, async () => {
    mkdirSync(join(app, 'electron/cli'), { recursive: true });
    await execa('bash', [join(REPO, 'scripts/mklive/bundle-engine.sh'), join(app, 'electron/cli/main.mjs')]);
    cpSync(join(REPO, 'locales'), join(app, 'locales'), { recursive: true });
    writeFileSync(join(app, 'livekit'), `#!/bin/sh\nexec node "${app}/electron/cli/main.mjs" "$@"\n`);
    chmodSync(join(app, 'livekit'), 0o755);

    const r = await runInDmGuest({
      cwd: REPO,
      command: `node_modules/.bin/vitest run ${TEST_FILE} --reporter=verbose`,
      env: { LIVEKIT_TEST_BIN: join(app, 'livekit') },
      timeoutMs: 1_500_000,
      logFile: join(app, 'guest.log'),
    });
    const tail = r.output.slice(-6000);
    console.log(`guest: ${r.seconds.toFixed(0)} s\n${tail}`);
    expect(r.timedOut, tail).toBe(false);
    expect(r.code, tail).toBe(0);
    expect(r.output).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    expect(r.output).not.toMatch(/skipped|todo/i);
    // The guest really had device-mapper: the file's own check passed there.
    expect(r.output).toContain('the disk holds the encrypted system, and nothing is open before the tests');
  }, 1_600_000);
});
