// English text of validation problems, from the same locales/en/validation.json the UI translates,
// so the CLI's message and the UI's key never drift apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES_DIR } from '../i18n.ts';

type Tree = { [k: string]: string | Tree };
let english: Tree | undefined;

function lookup(code: string): string | undefined {
  english ??= JSON.parse(readFileSync(join(LOCALES_DIR, 'en', 'validation.json'), 'utf8')) as Tree;
  let node: string | Tree | undefined = english;
  for (const part of code.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/** `code` is a key in the `validation` namespace; `{{name}}` placeholders are filled from params. */
export function englishMessage(code: string, params: Record<string, string | number> = {}): string {
  const template = lookup(code);
  if (template === undefined) throw new Error(`missing English text for validation:${code}`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => String(params[k] ?? `{{${k}}}`));
}
