// The engine's one redaction policy: secrets are hidden in free text (log lines, command output, error
// messages, argv) before it leaves the engine. Structured data (the plan, paths, numbers, the JSON of an
// event) is secret-free by construction and never string-replaced: a password such as `type`, `true` or
// `32768` would otherwise rewrite keys and values. Validation keeps passwords at 4+ characters so that
// hiding them in text is meaningful.
import type { InstallEvent } from '../../shared/events.ts';

export const REDACTED = '***';

/** Replaces every occurrence of each non-empty secret in `text` (literal match, no regex). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length > 0) out = out.split(s).join(REDACTED);
  return out;
}

/** Fills a stdin template such as `alice:{secret}` (chpasswd's input). */
export function fillSecretTemplate(template: string, secret: string): string {
  return template.split('{secret}').join(secret);
}

/** Redacts the free-text fields of an event (log lines, error messages and params, argv, stderr). */
export function redactEvent(e: InstallEvent, secrets: readonly (string | undefined)[]): InstallEvent {
  if (!secrets.some((s) => s && s.length > 0)) return e;
  const r = (s: string) => redact(s, secrets);
  switch (e.type) {
    case 'log':
      return { ...e, message: r(e.message) };
    case 'error': {
      const out: InstallEvent = { ...e, message: r(e.message) };
      if (e.params) out.params = Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, typeof v === 'string' ? r(v) : v]));
      if (e.command) out.command = e.command.map(r);
      if (e.stderrTail !== undefined) out.stderrTail = r(e.stderrTail);
      return out;
    }
    default:
      return e;
  }
}
