// Pure rendering of the CLI's human output. Every sentence comes from the translations (`t`).
import type { TFunction } from 'i18next';
import { errorText } from '../engine/run/coded-error.ts';
import type { DiskInfo, Refusal, SysrootInfo } from '../shared/facts.ts';
import type { Plan } from '../shared/plan.ts';
import { destroys, effectLine } from '../shared/effects-text.ts';
import type { InstallEvent } from '../shared/events.ts';
import type { Problem } from '../engine/answers/validate.ts';
import { formatSize } from '../engine/answers/size.ts';
import type { MachineWarning } from '../shared/service.ts';

type T = TFunction;

export function problemLine(t: T, p: Problem): string {
  // Validation codes are bare keys of `validation`; the planner's carry their namespace (`plan:problem.*`).
  const key = p.code.includes(':') ? p.code : `validation:${p.code}`;
  const msg = t(key, { ...p.params, defaultValue: p.message });
  return t('cli:problem', { path: p.path || '-', message: msg });
}

export function refusalText(t: T, r: Refusal): string {
  const params: Record<string, string | number> = { ...r.params };
  for (const [k, v] of Object.entries(params)) if (typeof v === 'number' && /bytes|size|need|have/i.test(k)) params[k] = formatSize(v);
  return t(`plan:refusal.${r.code}`, { ...params, defaultValue: r.code });
}

export function refusalLines(t: T, refusals: { disk: string; refusals: Refusal[] }[]): string[] {
  const out = [t('cli:refused.header')];
  for (const d of refusals) for (const r of d.refusals) out.push(t('cli:refused.disk', { disk: d.disk, reason: refusalText(t, r) }));
  return out;
}

export function sysrootLines(t: T, sysroots: SysrootInfo[]): string[] {
  return sysroots.map((s) => {
    const flags = [s.installable ? t('cli:sysroots.installable') : t('cli:sysroots.liveOnly')];
    if (s.recommended) flags.push(t('cli:sysroots.recommended'));
    const os = s.osRelease['PRETTY_NAME'] ?? s.osRelease['NAME'] ?? '';
    return `${s.name.padEnd(16)} ${formatSize(s.sizeBytes).padStart(10)}  ${s.title}${os ? ` (${os})` : ''}  [${flags.join(', ')}]`;
  });
}

export function diskLines(t: T, disks: { disk: DiskInfo; refusals: Refusal[] }[]): string[] {
  const out: string[] = [];
  for (const { disk, refusals } of disks) {
    const desc = [disk.model, disk.transport, disk.type].filter(Boolean).join(', ');
    out.push(`${disk.path.padEnd(16)} ${formatSize(disk.sizeBytes).padStart(10)}  ${desc}`);
    for (const p of disk.partitions) {
      const what = [p.fstype, p.label ?? p.partlabel, p.os ? `(${p.os})` : '', p.mountpoints.join(' ')].filter(Boolean).join(' ');
      out.push(`  ${p.path.padEnd(14)} ${formatSize(p.sizeBytes).padStart(10)}  ${what}`);
    }
    out.push(
      refusals.length === 0
        ? `  ${t('cli:disks.ok')}`
        : `  ${t('cli:disks.refused', { reasons: refusals.map((r) => refusalText(t, r)).join('; ') })}`,
    );
  }
  return out;
}

/** The plan's effects, one line each (what loses data marked `!`): the confirmation and `livekit plan` say them. */
export function effectLines(t: T, plan: Plan): string[] {
  return plan.effects.map((e) => `  ${destroys(e) ? '!' : '-'} ${effectLine(t, e, formatSize)}`);
}

export function planLines(t: T, plan: Plan): string[] {
  const out: string[] = [];
  out.push(t('cli:plan.variant', { variant: plan.variant.name, size: formatSize(plan.variant.sizeBytes) }));
  out.push(t('cli:plan.firmware', { firmware: plan.firmware, table: plan.partitionTable ?? '-' }));
  out.push(`${t('plan:effectsTitle')}:`);
  out.push(...effectLines(t, plan));
  out.push(t('cli:plan.locale', { locale: plan.locale }));
  out.push(t('cli:plan.steps'));
  plan.steps.forEach((s, i) => {
    out.push(`  ${i + 1}. ${t(s.label, { defaultValue: s.id })}`);
    for (const a of s.actions) out.push(`       ${actionText(a)}`);
  });
  return out;
}

function actionText(a: Plan['steps'][number]['actions'][number]): string {
  switch (a.kind) {
    case 'run':
      return `${a.chroot ? 'chroot: ' : ''}${a.argv.join(' ')}${a.stdinSecret ? ' < (secret)' : ''}`;
    case 'attach-image':
      return `attach ${a.image}`;
    case 'settle-partitions':
      return 'partx -u {disk}';
    case 'mount':
      return `mount ${a.bind ? '--bind ' : ''}${a.fstype ? `-t ${a.fstype} ` : ''}${a.options?.length ? `-o ${a.options.join(',')} ` : ''}${a.source} ${a.target}`;
    case 'write-file':
      return `${a.append ? 'append' : 'write'} ${a.path}`;
    case 'copy':
      return `copy ${a.source} → ${a.target} (${formatSize(a.totalBytes)}, ${a.totalFiles} files)`;
    case 'release':
      return a.keepDevices ? 'release the mounts (the disk and its encryption stay open)' : 'release';
    case 'open-luks':
      return `cryptsetup open ${a.device} ${a.name} < (passphrase)`;
    case 'verify-target':
      return 'verify the target is still the disk planned for';
    case 'save-log':
      return `save log → ${a.path}`;
  }
}

function duration(seconds: number | null): string {
  if (seconds === null) return '--:--';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * Turns install events into terminal output. On a terminal the progress line redraws in place;
 * elsewhere it prints a line each 10 %. Returns the text to write, or '' for nothing.
 */
export class EventPrinter {
  private lastDecile = -1;
  private redrawn = false;
  constructor(
    private readonly t: T,
    private readonly tty: boolean,
  ) {}

  print(e: InstallEvent): string {
    const t = this.t;
    const nl = this.redrawn ? '\n' : '';
    switch (e.type) {
      case 'step':
        if (e.state === 'start') {
          this.redrawn = false;
          return `${nl}${t('cli:install.step', { index: e.index + 1, count: e.count, label: t(e.label, { defaultValue: e.step }) })}\n`;
        }
        return '';
      case 'progress': {
        if (e.total === 0) return '';
        const line = t('cli:install.progress', {
          percent: e.percent.toFixed(1),
          bytes: formatSize(e.bytes),
          total: formatSize(e.total),
          rate: formatSize(e.rate),
          eta: duration(e.eta),
        });
        if (this.tty) {
          this.redrawn = true;
          return `\r\x1b[K${line}`;
        }
        const decile = Math.floor(e.percent / 10);
        if (decile === this.lastDecile) return '';
        this.lastDecile = decile;
        return `${line}\n`;
      }
      case 'log':
        return e.level === 'warn' ? `${nl}${t('cli:install.warn', { message: e.message })}\n` : '';
      case 'error': {
        this.redrawn = false;
        // A coded error in the user's language, in the UI's own wording.
        // No step: refused before the first write (a changed target), which is not a failed install.
        const lines = [e.step ? t('cli:install.failed', { step: e.step, message: errorText(t, e) }) : t('cli:install.refused', { message: errorText(t, e) })];
        if (e.command) lines.push(t('cli:install.command', { command: e.command.join(' ') }));
        if (e.stderrTail) lines.push(t('cli:install.stderr'), ...e.stderrTail.trimEnd().split('\n').slice(-15).map((l) => `  ${l}`));
        return `${nl}${lines.join('\n')}\n`;
      }
      case 'cancelled':
        this.redrawn = false;
        return `${nl}${t('cli:install.cancelling')}\n`;
      case 'done':
        this.redrawn = false;
        if (e.ok) return `${nl}${t('cli:install.done', { log: e.logPath ?? '-' })}\n`;
        return `${nl}${e.logPath ? t('cli:install.released', { log: e.logPath }) : t('cli:install.releasedNoLog')}\n`;
      case 'plan':
        return '';
    }
  }
}

/** The machine warnings (little memory, on battery) in the reader's language, as the UI says them. */
export function warningLines(t: T, warnings: MachineWarning[]): string[] {
  return warnings.map((w) => {
    const p = w.params ?? {};
    const sizes = typeof p.ramBytes === 'number' && typeof p.minBytes === 'number' ? { ram: formatSize(p.ramBytes), min: formatSize(p.minBytes) } : {};
    return t(`app:warning.${w.code}`, { ...p, ...sizes });
  });
}
