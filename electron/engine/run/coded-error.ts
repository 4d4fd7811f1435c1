// An install failure the UI can say in the user's language: a code (a key under `failed.errors.` in
// locales/<lng>/app.json) and its parameters. The message stays English, for the log.
import type { TFunction } from 'i18next';

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

/** An error's text in the translator's language: its code's wording, else the engine's English message. */
export function errorText(t: TFunction, e: { message: string; code?: string; params?: ErrorParams }): string {
  return e.code ? t(`app:failed.errors.${e.code}`, { ...e.params, defaultValue: e.message }) : e.message;
}
