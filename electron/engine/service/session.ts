// The wizard's session, kept by the service so that a reload or a second window resumes it: the page,
// the language, the answers as the wizard holds them, and the passwords typed so far. The passwords stay
// in this process's memory only (never in events, logs or files) and go only to authenticated clients.
import { z } from 'zod';
import type { WizardSession } from '../../shared/service.ts';

/** The whole session is small; anything larger is refused rather than kept. */
export const MAX_SESSION_BYTES = 64 * 1024;

export const wizardSessionInput = z.strictObject({
  page: z.string().min(1).max(32),
  language: z.string().min(1).max(16),
  /** The wizard's fields (variant, disk, user, keyboard ...) without secrets: the renderer's own shape. */
  fields: z.record(z.string(), z.unknown()),
  /** Passwords being typed, by field name (`password`, `confirm`, `rootPassword`, ...). */
  secrets: z.record(z.string().max(32), z.string().max(1024)).default({}),
});

export class SessionStore {
  private state: WizardSession | null = null;
  private revision = 0;

  get(): { session: WizardSession | null; revision: number } {
    return { session: this.state, revision: this.revision };
  }

  /** Replaces the session; refuses one that is too large. */
  set(s: z.output<typeof wizardSessionInput>): { revision: number } {
    if (JSON.stringify(s).length > MAX_SESSION_BYTES) throw new SessionTooLargeError();
    this.state = s;
    return { revision: ++this.revision };
  }

  /** Forgets everything (the install finished: the passwords are no longer needed). */
  clear(): void {
    this.state = null;
    this.revision++;
  }
}

export class SessionTooLargeError extends Error {
  constructor() {
    super(`The wizard session is larger than ${MAX_SESSION_BYTES} bytes`);
    this.name = 'SessionTooLargeError';
  }
}
