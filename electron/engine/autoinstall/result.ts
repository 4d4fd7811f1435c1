// What QA reads after an unattended install: the exit code, the last event, timings and what the
// machine does next. Written as JSON beside the answers on a labelled volume (the answers disk's FAT
// partition, readable from outside the VM) and printed on the console as one tagged line.
import type { InstallEvent } from '../../shared/events.ts';

export type AfterAction = 'poweroff' | 'reboot' | 'shell';

export interface AutoinstallResult {
  exitCode: number;
  /** The answers' source as given on the command line. */
  source: string;
  variant: string | null;
  disk: string | null;
  lastEvent: InstallEvent | null;
  /** A one-line reason when the install did not run (bad answers, refused target, unreadable source). */
  message: string | null;
  startedAt: string;
  finishedAt: string;
  /** From the answers' fetch to the end (the install's own time is in the log's timestamps). */
  seconds: number;
  installSeconds: number | null;
  after: AfterAction;
}

/** The console line QA's rig matches: `LIVEKIT-AUTOINSTALL-RESULT {json}`. */
export const RESULT_TAG = 'LIVEKIT-AUTOINSTALL-RESULT';
export const RESULT_FILE = 'livekit-result.json';

/** Success does what the answers say (default: power off); a failure stays up with a shell for QA to
 * look, unless the answers say poweroff-on-error. */
export function afterAction(exitCode: number, answers: { after?: AfterAction; 'poweroff-on-error'?: boolean } | null): AfterAction {
  if (exitCode === 0) return answers?.after ?? 'poweroff';
  return answers?.['poweroff-on-error'] ? 'poweroff' : 'shell';
}
