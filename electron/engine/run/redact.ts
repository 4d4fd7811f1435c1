// Secrets never reach logs or events: every free text that leaves the executor passes through here.
import type { InstallEvent } from './events.ts';

export const REDACTED = '***';

export function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length > 0) out = out.split(s).join(REDACTED);
  return out;
}

/** Fills a stdin template such as `alice:{secret}` (chpasswd's input). */
export function fillSecretTemplate(template: string, secret: string): string {
  return template.split('{secret}').join(secret);
}

/**
 * Redacts the free-text fields of an event (log lines, error messages, argv, stderr). The plan and paths
 * are secret-free by construction and left alone, so a short password cannot garble them or the JSON.
 */
export function redactEvent(e: InstallEvent, secrets: (string | undefined)[]): InstallEvent {
  const r = (s: string) => redact(s, secrets);
  switch (e.type) {
    case 'log':
      return { ...e, message: r(e.message) };
    case 'error': {
      const out: InstallEvent = { ...e, message: r(e.message) };
      if (e.command) out.command = e.command.map(r);
      if (e.stderrTail !== undefined) out.stderrTail = r(e.stderrTail);
      return out;
    }
    default:
      return e;
  }
}
