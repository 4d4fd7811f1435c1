// An install failure the UI can say in the user's language: a code (a key under `failed.errors.` in
// locales/<lng>/app.json) and its parameters. The message stays English, for the log and the CLI.
export type ErrorParams = Record<string, string | number>;

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
