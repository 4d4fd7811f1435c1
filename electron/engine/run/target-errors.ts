// Pure: a write that failed because of the target itself — full, failing, turned read-only, gone — said as
// such, in the user's language, instead of as "cp exited with code 1". The command and its output stay with
// the error for the log and the details.
import { CodedError } from './coded-error.ts';
import { CommandError } from './runner.ts';

export type TargetErrorCode = 'no-space' | 'io-error' | 'read-only-fs';

/** errno names and the words commands print for them (LC_ALL=C). */
const CAUSES: { code: TargetErrorCode; errno: string[]; text: RegExp }[] = [
  { code: 'no-space', errno: ['ENOSPC', 'EDQUOT'], text: /No space left on device|Disk quota exceeded/ },
  { code: 'io-error', errno: ['EIO'], text: /Input\/output error/ },
  { code: 'read-only-fs', errno: ['EROFS'], text: /Read-only file system/ },
];

export class TargetWriteError extends CodedError {
  constructor(
    code: TargetErrorCode,
    detail: string,
    /** The command that met it, when one did (its argv and output go into the error event). */
    readonly command?: CommandError,
  ) {
    super(code, { detail }, `writing to the target failed: ${detail}`);
    this.name = 'TargetWriteError';
  }
}

/** The target-side cause of `e`, or undefined when it is something else (then `e` is reported as it is). */
export function asTargetWriteError(e: unknown): TargetWriteError | undefined {
  if (e instanceof TargetWriteError) return e;
  if (e instanceof CommandError) {
    if (e.aborted) return undefined;
    const line = e.stderrTail.split('\n').find((l) => CAUSES.some((c) => c.text.test(l)));
    const cause = line !== undefined ? CAUSES.find((c) => c.text.test(line)) : undefined;
    return cause ? new TargetWriteError(cause.code, line!.trim().slice(0, 300), e) : undefined;
  }
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  const cause = CAUSES.find((c) => errno !== undefined && c.errno.includes(errno));
  return cause ? new TargetWriteError(cause.code, (e as Error).message.slice(0, 300)) : undefined;
}
