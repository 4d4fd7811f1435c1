// A write the target refused (full, failing, turned read-only) is said as such, from an errno or from what
// the command printed; anything else is left as it is.
import { describe, expect, it } from 'vitest';
import { asTargetWriteError } from '../../electron/engine/run/target-errors.ts';
import { CommandError } from '../../electron/engine/run/runner.ts';

const errno = (code: string) => Object.assign(new Error(`${code}: write /t/etc/hosts`), { code });

describe('asTargetWriteError', () => {
  it('maps errno ENOSPC, EDQUOT, EIO and EROFS', () => {
    expect(asTargetWriteError(errno('ENOSPC'))?.code).toBe('no-space');
    expect(asTargetWriteError(errno('EDQUOT'))?.code).toBe('no-space');
    expect(asTargetWriteError(errno('EIO'))?.code).toBe('io-error');
    expect(asTargetWriteError(errno('EROFS'))?.code).toBe('read-only-fs');
    expect(asTargetWriteError(errno('EACCES'))).toBeUndefined();
  });

  it("reads a command's error output, keeping the command for the details", () => {
    const sync = new CommandError(['sync', '-f', '/t'], 1, "sync: error syncing '/t': Input/output error\n");
    const e = asTargetWriteError(sync)!;
    expect(e).toMatchObject({ code: 'io-error', params: { detail: "sync: error syncing '/t': Input/output error" } });
    expect(e.command).toBe(sync);
    const rsync = new CommandError(['rsync'], 11, 'rsync: [receiver] write failed on "/t/x": No space left on device (28)\nrsync error: error in file IO (code 11)');
    expect(asTargetWriteError(rsync)?.code).toBe('no-space');
  });

  it('leaves other failures, and a cancelled command, alone', () => {
    expect(asTargetWriteError(new CommandError(['useradd'], 9, 'useradd: user bob exists'))).toBeUndefined();
    expect(asTargetWriteError(new CommandError(['rsync'], 143, 'No space left on device', true))).toBeUndefined();
    expect(asTargetWriteError(new Error('plain'))).toBeUndefined();
  });
});
