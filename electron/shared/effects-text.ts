// The plan's effects in a person's words (namespace `plan`, keys `effect.*`): one line each, the same for the
// wizard's summary, `livekit plan`/`install`'s confirmation and the install log. Which effects destroy
// something is said too, for the summary to show them apart.
import type { Effect, Existing, PartRef } from './plan.ts';

/** i18next's `t`, as far as this needs it. */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

function partName(t: Translate, p: PartRef): string {
  if (p.device) return p.device;
  return t('plan:effect.partOf', { disk: p.disk, number: p.number ?? '?' });
}

/** `Old Linux 1.0 (ext4, "home")`, or '' when nothing is known. */
function existingText(t: Translate, e: Existing | undefined): string {
  if (!e) return '';
  const details = [e.fstype, e.label ? `"${e.label}"` : undefined].filter(Boolean).join(', ');
  const what = e.os ? (details ? `${e.os} (${details})` : e.os) : details;
  return what ? t('plan:effect.holds', { what }) : '';
}

export function effectLine(t: Translate, e: Effect, size: (bytes: number) => string): string {
  switch (e.kind) {
    case 'delete-partition':
      return t('plan:effect.delete', { part: partName(t, e.part), size: size(e.sizeBytes), holds: existingText(t, e.existing) });
    case 'new-table':
      return t('plan:effect.newTable', { disk: e.disk, model: e.model ?? t('plan:effect.unknownModel'), size: size(e.sizeBytes), table: e.table === 'gpt' ? 'GPT' : 'MBR' });
    case 'create-partition':
      return t('plan:effect.create', { part: partName(t, e.part), size: size(e.sizeBytes), role: t(`plan:role.${e.role}`) });
    case 'encrypt':
      return t('plan:effect.encrypt', { part: partName(t, e.part), size: size(e.sizeBytes) });
    case 'format':
      return t(e.encrypted ? 'plan:effect.formatEncrypted' : 'plan:effect.format', {
        part: partName(t, e.part),
        size: size(e.sizeBytes),
        fstype: e.fstype,
        mountpoint: e.mountpoint,
        holds: existingText(t, e.existing),
      });
    case 'keep':
      return t('plan:effect.keep', { part: partName(t, e.part), size: size(e.sizeBytes), mountpoint: e.mountpoint, holds: existingText(t, e.existing) });
  }
}

/** Effects that lose what was there: deleting, a new table, formatting a partition that held something. */
export function destroys(e: Effect): boolean {
  return e.kind === 'delete-partition' || e.kind === 'new-table' || (e.kind === 'format' && e.existing !== undefined);
}
