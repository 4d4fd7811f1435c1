// What a test left behind: mounts and loop devices. Other engineers use loop devices at the same time,
// so only what the test itself could have created is looked at (its images, target mount points).
import { readFileSync } from 'node:fs';
import { execa } from 'execa';

export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Loop devices whose backing file is one of `files`. */
export async function loopsBacking(files: string[]): Promise<string[]> {
  const r = await execa('losetup', ['--json', '--list']);
  if (!r.stdout.trim()) return [];
  const list = (JSON.parse(r.stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices;
  return list.filter((l) => l['back-file'] && files.some((f) => l['back-file']!.replace(/ \(deleted\)$/, '') === f)).map((l) => l.name);
}

/** Mount points at or under any of `roots` (an install's target roots): what an install left mounted. */
export function mountsUnder(roots: string[]): string[] {
  return mountPoints().filter((m) => roots.some((r) => m === r || m.startsWith(`${r}/`)));
}

/** The target root an install used, from the plan event its log starts with (other installs may run meanwhile). */
export function targetRootFromLog(logFile: string): string {
  const first = readFileSync(logFile, 'utf8').split('\n')[0]!;
  const e = JSON.parse(first) as { type: string; plan?: { targetRoot: string } };
  if (e.type !== 'plan' || !e.plan) throw new Error(`${logFile} does not start with the plan`);
  return e.plan.targetRoot;
}
