// An install failure the UI can say in the user's language: a code (a key under `failed.errors.` in
// locales/<lng>/app.json) and its parameters. The message stays English, for the log.
import type { ErrorParams } from '../../shared/error-text.ts';

export type { ErrorParams } from '../../shared/error-text.ts';
/** Kept here for the engine's and the CLI's imports; it lives in shared/ with the UI. */
export { errorText } from '../../shared/error-text.ts';

export class CodedError extends Error {
  constructor(
    readonly code: string,
    readonly params: ErrorParams,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}
