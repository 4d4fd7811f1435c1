// The paths named on the command line are checked before any work starts, so a typo costs one clear
// line and exit 2, never a stack trace, a hang or a half-done install. Output paths are only looked at
// here (lstat, nothing opened for writing); the log is judged in full once the plan is known.
import { statSync } from 'node:fs';
import type { Plan } from '../shared/plan.ts';
import type { MachineFacts } from '../shared/facts.ts';
import { checkOutput } from '../engine/run/output-file.ts';
import { guardForPlan, isLiveKitLog, isUrlFile } from '../engine/run/output-rules.ts';
import { placeOf } from '../engine/disks/place.ts';
import { UsageError, type CliArgs } from './args.ts';

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function mustBeDirectory(flag: string, path: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new UsageError(errnoOf(e) === 'ENOENT' ? 'error.noSuchPath' : 'error.badPath', { flag, path, reason: errnoOf(e) });
  }
  if (!isDir) throw new UsageError('error.notDirectory', { flag, path });
}

/**
 * Refuses a missing or unusable --medium, --sysroots or --renderer, and a --log or --url-file that is a
 * device, FIFO, socket, folder or link (OutputFileError), before the command runs.
 */
export function checkPathOptions(a: CliArgs): void {
  if (a.medium !== undefined) mustBeDirectory('--medium', a.medium);
  if (a.sysroots !== undefined) mustBeDirectory('--sysroots', a.sysroots);
  if (a.renderer !== undefined) mustBeDirectory('--renderer', a.renderer);
  // Whether an existing --log is ours is judged with the plan (it may be the answer file or a target).
  if (a.log !== undefined) checkOutput(a.log);
  if (a.urlFile !== undefined) checkOutput(a.urlFile, {}, isUrlFile);
}

/** The install's log, judged once the plan is known: not the answer file, not a target, not on the medium, a LiveKit log. */
export function checkLogForPlan(log: string, plan: Plan, machine: MachineFacts, answersFile: string | undefined): void {
  checkOutput(log, guardForPlan(plan, machine, answersFile === undefined ? undefined : placeOf(answersFile)), isLiveKitLog);
}
