// Shared inputs for the planner's unit tests: recorded-style machines, a sysroot, answers, a deterministic env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answersSchema, type Answers, type AnswersInput } from '../../electron/shared/answers.ts';
import type { DiskInfo, MachineFacts, SysrootInfo } from '../../electron/shared/facts.ts';
import type { PlanEnv } from '../../electron/engine/plan/plan.ts';

export const FIX = join(import.meta.dirname, '..', 'fixtures');
export const GiB = 1024 ** 3;

const json = <T>(rel: string): T => JSON.parse(readFileSync(join(FIX, rel), 'utf8')) as T;

export const uefiMachine = (): MachineFacts => json('machines/machine-uefi.json');
export const biosMachine = (): MachineFacts => json('machines/machine-bios.json');
export const desktopSysroot = (): SysrootInfo => json('machines/sysroot-desktop.json');

/** An image file as describeImage reports it. */
export const imageDisk = (path = '/var/tmp/vm.img', sizeBytes = 16 * GiB): DiskInfo => ({
  path,
  realPath: path,
  name: 'vm.img',
  sizeBytes,
  type: 'image',
  readOnly: false,
  removable: false,
  mountpoints: [],
  partitions: [],
});

/** UUIDs 00000000-0000-4000-8000-000000000001, ...2, ... in call order. */
export function planEnv(): PlanEnv {
  let n = 0;
  return {
    targetRoot: '/run/livekit/target',
    logPath: '/var/log/livekit-installer.log',
    newUuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
}

export const SECRET = 'correct horse battery staple';

export function answers(over: Partial<AnswersInput> & { target?: AnswersInput['target'] } = {}): Answers {
  return answersSchema.parse({
    version: 1,
    variant: 'desktop',
    target: { disk: '/dev/vdb' },
    hostname: 'aosc-pc',
    locale: 'zh_CN.UTF-8',
    timezone: 'Asia/Shanghai',
    user: { name: 'alice', fullname: 'Alice Liddell', password: SECRET },
    ...over,
  });
}
