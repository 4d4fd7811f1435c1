// The paths named on the command line are checked before any work starts, so a typo costs one clear
// line and exit 2, never a stack trace, a hang or a half-done install.
import { statSync } from 'node:fs';
import { createLogFile } from '../engine/run/log-file.ts';
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

/** Refuses a missing or unusable --medium, --sysroots, --renderer or --log before the command runs. */
export function checkPathOptions(a: CliArgs): void {
  if (a.medium !== undefined) mustBeDirectory('--medium', a.medium);
  if (a.sysroots !== undefined) mustBeDirectory('--sysroots', a.sysroots);
  if (a.renderer !== undefined) mustBeDirectory('--renderer', a.renderer);
  if (a.log !== undefined) {
    try {
      createLogFile(a.log);
    } catch (e) {
      throw new UsageError('error.logFile', { file: a.log, reason: errnoOf(e) });
    }
  }
}
