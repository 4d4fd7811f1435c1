// A process named so that a reused pid is not mistaken for it: its pid and its start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot). Records of held things and target locks name their owner this way.
import { readFileSync } from 'node:fs';

export interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot, as /proc/<pid>/stat says it. */
  start: string;
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count from its end. */
export function parseStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3 (state) onwards; the start time is field 22, the 20th of them.
  return stat.slice(close + 2).split(' ')[19];
}

export function startTimeOf(pid: number): string | undefined {
  try {
    return parseStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function thisProcess(): ProcessId {
  return { pid: process.pid, start: startTimeOf(process.pid) ?? '0' };
}

/** The process is still running (and is the same one, not a later process given its pid). */
export function isRunning(p: ProcessId): boolean {
  return startTimeOf(p.pid) === p.start;
}

/** The command line of a process, for messages (`livekit install --config a.yaml`), or its pid. */
export function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length) return argv.join(' ').slice(0, 200);
  } catch {
    /* gone */
  }
  return `pid ${pid}`;
}
