// Golden plans: each case's Plan must equal test/fixtures/plans/<case>.json byte for byte.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/unit/plan-golden.test.ts
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Answers } from '../../electron/shared/answers.ts';
import type { MachineFacts, SysrootInfo } from '../../electron/shared/facts.ts';
import { plan } from '../../electron/engine/plan/plan.ts';
import { PART_TYPES } from '../../electron/engine/plan/layout.ts';
import { answers, biosMachine, desktopSysroot, FIX, imageDisk, planEnv, SECRET, uefiMachine } from './plan-helpers.ts';

const DIR = join(FIX, 'plans');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Case {
  name: string;
  machine: MachineFacts;
  answers: Answers;
  sysroot?: SysrootInfo;
}

const withImage = (m: MachineFacts): MachineFacts => ({ ...m, disks: [...m.disks, imageDisk()] });
const noGrub = (): SysrootInfo => {
  const s = desktopSysroot();
  return { ...s, tools: { ...s.tools, grubPlatforms: [] }, osRelease: { ID: 'arch' } } as SysrootInfo;
};
const { grub: _dropped, ...toolsWithoutGrub } = desktopSysroot().tools;

const CASES: Case[] = [
  // Layouts × filesystems: each layout and each filesystem at least once.
  // A sysroot composed of squashfs layers: the copy step unpacks them (the others fall back to rsync).
  {
    name: 'uefi-auto-ext4-swap-auto',
    machine: uefiMachine(),
    answers: answers(),
    sysroot: {
      ...desktopSysroot(),
      copyMethod: {
        kind: 'layers',
        layers: [
          { image: '/run/livekit/medium/livekit/base.squashfs', offset: 0, mount: '/run/livekit/layers/base' },
          { image: '/run/livekit/medium/livekit/layers/desktop.squashfs', offset: 0, mount: '/run/livekit/layers/desktop' },
        ],
      },
    },
  },
  {
    name: 'bios-auto-xfs-swap-auto',
    machine: biosMachine(),
    answers: answers({ target: { disk: '/dev/vdb', filesystem: 'xfs' }, rtc: 'local', locale: 'en_US.UTF-8' }),
  },
  {
    name: 'image-gpt-uefi-btrfs-swap-2gib',
    machine: withImage(uefiMachine()),
    answers: answers({ target: { disk: '/var/tmp/vm.img', layout: 'gpt-uefi', filesystem: 'btrfs', swap: '2GiB' } }),
  },
  {
    name: 'image-on-bios-host-gpt-uefi-ext4',
    machine: withImage(biosMachine()),
    answers: answers({ target: { disk: '/var/tmp/vm.img', layout: 'gpt-uefi', swap: 'none' } }),
  },
  {
    name: 'mbr-bios-ext4-hashed-password',
    machine: uefiMachine(),
    answers: answers({
      target: { disk: '/dev/vdb', layout: 'mbr-bios', swap: 'none' },
      user: { name: 'bob', 'password-hash': '$6$salt$hash' },
    }),
  },
  {
    name: 'gpt-bios-btrfs-no-swap-bootloader-none',
    machine: uefiMachine(),
    answers: answers({ target: { disk: '/dev/vdb', layout: 'gpt-bios', filesystem: 'btrfs', swap: 'none' }, bootloader: 'none' }),
    sysroot: { ...noGrub(), tools: { ...toolsWithoutGrub, grubPlatforms: [] } },
  },
  // Existing partitions: root formatted, the ESP kept.
  {
    name: 'partitions-uefi-xfs-keep-esp',
    machine: uefiMachine(),
    answers: answers({ target: { partitions: { root: '/dev/nvme0n1p3', efi: '/dev/nvme0n1p1' }, filesystem: 'xfs' } }),
  },
  {
    name: 'partitions-bios-ext4-swap-1gib',
    // GRUB for BIOS on this GPT disk needs a BIOS boot partition: p2 is one here.
    machine: withBiosBootPartition(biosMachine(), '/dev/nvme0n1p2'),
    answers: answers({ target: { partitions: { root: '/dev/nvme0n1p3' }, swap: '1GiB' }, locale: undefined }),
  },
  // Root in LUKS2 with a plain /boot: each layout, each filesystem; the passphrase is never in the plan.
  {
    name: 'encrypted-uefi-ext4-swap-auto',
    machine: uefiMachine(),
    answers: answers({ encryption: { passphrase: SECRET } }),
  },
  {
    name: 'encrypted-gpt-bios-btrfs-swap-1gib',
    machine: biosMachine(),
    answers: answers({ target: { disk: '/dev/vdb', filesystem: 'btrfs', swap: '1GiB' }, encryption: { passphrase: SECRET } }),
  },
  {
    name: 'encrypted-image-mbr-bios-xfs',
    machine: withImage(uefiMachine()),
    answers: answers({ target: { disk: '/var/tmp/vm.img', layout: 'mbr-bios', filesystem: 'xfs', swap: 'none' }, encryption: { passphrase: SECRET } }),
  },
  // A German keyboard without dead keys, autologin through LightDM, no admin rights, root with its own password.
  {
    name: 'keyboard-de-autologin-root-password',
    machine: uefiMachine(),
    answers: answers({
      locale: 'de_DE.UTF-8',
      keyboard: { layout: 'de', variant: 'nodeadkeys' },
      user: { name: 'alice', password: SECRET, admin: false, autologin: true },
      root: { password: SECRET },
    }),
    sysroot: { ...desktopSysroot(), tools: { ...desktopSysroot().tools, displayManager: 'lightdm' } },
  },
];

function withBiosBootPartition(m: MachineFacts, path: string): MachineFacts {
  const disks = m.disks.map((d) => ({ ...d, partitions: d.partitions.map((p) => (p.path === path ? { ...p, parttype: PART_TYPES.biosBoot.toLowerCase(), fstype: undefined } : p)) }));
  return { ...m, disks };
}

describe('golden plans', () => {
  it('the generator is deterministic (the same inputs give the same JSON)', () => {
    const c = CASES[0]!;
    const a = plan(c.answers, c.machine, desktopSysroot(), planEnv());
    const b = plan(c.answers, c.machine, desktopSysroot(), planEnv());
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  for (const c of CASES) {
    it(c.name, () => {
      const r = plan(c.answers, c.machine, c.sysroot ?? desktopSysroot(), planEnv());
      if (!r.ok) throw new Error(`expected a plan, got ${JSON.stringify(r)}`);
      const text = `${JSON.stringify(r.plan, null, 2)}\n`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('$6$salt$hash');
      const file = join(DIR, `${c.name}.json`);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      if (!existsSync(file)) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 once, review it, commit it`);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('every golden file belongs to a case (no stale goldens)', () => {
    const names = new Set(CASES.map((c) => `${c.name}.json`));
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(CASES.length);
    for (const f of files) expect(names.has(f), `${f} has no case`).toBe(true);
  });
});
