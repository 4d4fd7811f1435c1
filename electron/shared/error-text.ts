// An install failure said in the reader's language: its code's wording (a key under `failed.errors.` in
// locales/<lng>/app.json) with its params, else the engine's English message. Shared by the CLI and UI.
import type { TFunction } from 'i18next';

export type ErrorParams = Record<string, string | number>;

export function errorText(t: TFunction, e: { message: string; code?: string; params?: ErrorParams }): string {
  return e.code ? t(`app:failed.errors.${e.code}`, { ...e.params, defaultValue: e.message }) : e.message;
}
