// Pure rendering of `livekit systems` and of repair plans and fsck reports. Every sentence comes from the translations.
import type { TFunction } from 'i18next';
import type { FoundSystems, InstalledSystem, LockedVolume, OtherVolume } from '../engine/rescue/types.ts';
import type { RepairPlan, RepairProblem } from '../engine/rescue/plan.ts';
import { refusalText } from './render.ts';
import { repairActionText, type FsckResult } from '../shared/rescue.ts';

type T = TFunction;

function systemLines(t: T, s: InstalledSystem): string[] {
  const out = [`${s.id.padEnd(14)} ${s.name}  (${t('cli:systems.on', { disk: s.disk, fstype: s.root.fstype + (s.root.subvol ? ` subvol=${s.root.subvol}` : '') })})`];
  const boot = [
    s.firmware === 'uefi' ? 'UEFI' : 'BIOS',
    s.grub.tool ? `GRUB ${s.grub.platforms.join(' ') || '-'}` : t('cli:systems.noGrub'),
    t('cli:systems.kernels', { kernels: s.kernels.join(' ') || '-' }),
  ];
  out.push(`  ${t('cli:systems.boot', { details: boot.join(', ') })}${s.firmwareMatches ? '' : `  ${t('cli:systems.firmwareMismatch', { firmware: s.firmware })}`}`);
  for (const m of s.mounts.filter((x) => x.fstype !== 'swap')) {
    out.push(`  ${m.mountpoint.padEnd(12)} ${m.spec}${m.device ? ` → ${m.device}` : ''}${m.stale ? `  ${t('cli:systems.stale', { suggestion: m.suggestion ? m.suggestion.device : '-' })}` : ''}`);
  }
  if (s.users.length) out.push(`  ${t('cli:systems.users', { users: s.users.join(', ') })}`);
  for (const p of s.problems) out.push(`  ! ${t(`cli:systems.problem.${p.code}`, { ...p.params, defaultValue: p.code })}`);
  if (s.refusals.length) out.push(`  ${t('cli:systems.notNow', { reasons: s.refusals.map((r) => refusalText(t, r)).join('; ') })}`);
  return out;
}

function lockedLines(t: T, l: LockedVolume): string[] {
  const out = [`${l.id.padEnd(14)} ${t('cli:systems.locked', { disk: l.disk, uuid: l.luks.uuid || '-' })}${l.label ? `  (${l.label})` : ''}`];
  out.push(`  ${t('cli:systems.unlockHint', { system: l.id })}`);
  if (l.refusals.length) out.push(`  ${t('cli:systems.notNow', { reasons: l.refusals.map((r) => refusalText(t, r)).join('; ') })}`);
  return out;
}

/** `livekit systems --json`: every system a command can name, each saying whether it is locked (a LUKS volume), and the other volumes. */
export interface SystemsJson {
  systems: ((InstalledSystem & { locked: false }) | (LockedVolume & { locked: true }))[];
  others: OtherVolume[];
  firmware: 'uefi' | 'bios';
}

export function systemsJson(found: FoundSystems, firmware: 'uefi' | 'bios'): SystemsJson {
  return {
    systems: [...found.systems.map((s) => ({ ...s, locked: false as const })), ...found.locked.map((l) => ({ ...l, locked: true as const }))],
    others: found.others,
    firmware,
  };
}

export function systemsLines(t: T, found: FoundSystems): string[] {
  const out: string[] = [];
  if (found.systems.length === 0 && found.locked.length === 0) out.push(t('cli:systems.none'));
  for (const s of found.systems) out.push(...systemLines(t, s));
  for (const l of found.locked) out.push(...lockedLines(t, l));
  if (found.others.length) {
    out.push(t('cli:systems.others'));
    for (const o of found.others) {
      const what = [o.fstype, o.label].filter(Boolean).join(' ');
      out.push(`  ${o.device.padEnd(14)} ${t(`cli:systems.other.${o.kind}`, { detail: o.detail ?? '', defaultValue: o.kind })}${what ? `  (${what})` : ''}`);
    }
  }
  return out;
}

export function repairProblemLine(t: T, p: RepairProblem): string {
  return `  ${t(`cli:repair.problem.${p.code}`, { ...p.params, defaultValue: p.code })}`;
}

export function repairPlanLines(t: T, plan: RepairPlan): string[] {
  const out = [t('cli:repair.header', { repair: t(`cli:repair.kind.${plan.repair}`, { defaultValue: plan.repair }), name: plan.system.name, id: plan.system.id, disk: plan.system.disk })];
  for (const s of plan.skipped) out.push(`  ${t(`cli:repair.skipped.${s.reason}`, { mountpoint: s.mountpoint })}`);
  out.push(t('cli:plan.steps'));
  plan.steps.forEach((s, i) => {
    out.push(`  ${i + 1}. ${t(s.label, { defaultValue: s.id })}`);
    for (const a of s.actions) out.push(`       ${repairActionText(a)}`);
  });
  return out;
}

export type { FsckResult } from '../shared/rescue.ts';

export function fsckReportLines(t: T, results: FsckResult[]): string[] {
  const out = [t('cli:repair.fsck.header')];
  for (const r of results) {
    out.push(`  ${r.device} (${r.mountpoint}, ${r.fstype}): ${r.clean ? t('cli:repair.fsck.clean') : t('cli:repair.fsck.unclean', { code: r.exitCode })}`);
    if (!r.clean) out.push(...r.output.trimEnd().split('\n').slice(-12).map((l) => `      ${l}`));
  }
  return out;
}
