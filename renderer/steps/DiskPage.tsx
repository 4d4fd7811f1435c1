// Where to install: a whole disk to erase or existing partitions, the file system, swap, the boot loader and
// encryption (EncryptionFields.tsx). Next only with a usable target and, when encrypting, a passphrase ready.
import { useEffect, useState } from 'react';
import { Button, Checkbox, Input, Label, ListBox, ListBoxItem, Popover, Radio, RadioGroup, Select, SelectValue, Text, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { DiskChoice, UiProblem } from '../../electron/api.ts';
import { PageFrame } from '../components/PageFrame.tsx';
import { Problems } from '../components/Problems.tsx';
import { isEspCandidate, isRootCandidate } from '../../electron/api.ts';
import { diskTitle, partitionText, PartitionList, TransportIcon, transportOf } from '../components/DiskFacts.tsx';
import { formatBytes } from '../store/format.ts';
import { useStore } from '../store/index.ts';
import { problemsFor, type ValidateFn } from './validate.ts';
import { EncryptionFields, encryptionReady } from './EncryptionFields.tsx';

/** The engine formats sizes in its params; when it also gives the bytes, format them like the rest of the page. */
function localSizes(params: Record<string, string | number> | undefined, lng: string): Record<string, string | number> {
  const out = { ...params };
  if (typeof out.needBytes === 'number') out.need = formatBytes(out.needBytes, lng);
  if (typeof out.sizeBytes === 'number') out.size = formatBytes(out.sizeBytes, lng);
  return out;
}

function DiskLabel({ choice }: { choice: DiskChoice }) {
  const { t, i18n } = useTranslation();
  const d = choice.disk;
  return (
    <>
      <span className="card-head">
        <TransportIcon kind={transportOf(d)} named={false} />
        <span className="card-title">{diskTitle(d)}</span>
        <span className="card-size">{formatBytes(d.sizeBytes, i18n.language)}</span>
      </span>
      <span className="card-path">
        <span aria-hidden="true">{t(`disk.transport.${transportOf(d)}`)} · </span>
        <code>{d.path}</code>
      </span>
      <PartitionList disk={d} />
      {choice.refusals.length > 0 && (
        <Text slot="description" className="refusals">
          {choice.refusals.map((r) => t(`plan:refusal.${r.code}`, { ...localSizes(r.params, i18n.language), defaultValue: r.code })).join(' · ')}
        </Text>
      )}
    </>
  );
}

interface PartitionOption {
  path: string;
  text: string;
  os?: string;
}

function PartitionSelect({ label, value, onChange, options, allowNone }: { label: string; value: string; onChange: (v: string) => void; options: PartitionOption[]; allowNone?: boolean }) {
  const { t } = useTranslation();
  const items = allowNone ? [{ path: '', text: t('disk.none') }, ...options] : options;
  return (
    <Select className="field" selectedKey={value || (allowNone ? '' : null)} onSelectionChange={(k) => onChange(k === null ? '' : String(k))} placeholder={t('disk.choosePartition')}>
      <Label>{label}</Label>
      <Button className="button secondary select-button">
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      {/* As wide as its button (react-aria sets --trigger-width on the popover). */}
      <Popover className="popover match-trigger">
        <ListBox className="listbox" items={items.map((o) => ({ id: o.path, ...o }))}>
          {(o) => (
            <ListBoxItem id={o.id} className="listbox-item" textValue={o.os ? `${o.text} · ${o.os}` : o.text}>
              <span>{o.text}</span>
              {o.os && <span className="os">{t('disk.osFound', { os: o.os })}</span>}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function DiskPage({ validate }: { validate: ValidateFn }) {
  const { t, i18n } = useTranslation();
  const facts = useStore((s) => s.facts);
  const disk = useStore((s) => s.disk);
  const setDisk = useStore((s) => s.setDisk);
  const go = useStore((s) => s.go);
  const [problems, setProblems] = useState<UiProblem[]>([]);
  const choices = facts?.disks ?? [];
  const usable = choices
    .filter((c) => !c.refusals.some((r) => r.code === 'live-medium' || r.code === 'read-only' || r.code === 'optical'))
    .flatMap((c) => c.disk.partitions.map((p) => ({ p, disk: c.disk })));
  const option = ({ p, disk: d }: (typeof usable)[number]): PartitionOption => ({ path: p.path, text: `${partitionText(p, i18n.language, t)} — ${diskTitle(d)}`, ...(p.os ? { os: p.os } : {}) });
  // The BIOS boot partition, swap, an extended container or an ESP is never offered as root; only FAT as ESP.
  const rootOptions = usable.filter((x) => isRootCandidate(x.p)).map(option);
  const espOptions = usable.filter((x) => isEspCandidate(x.p)).map(option);
  const chosen = choices.find((c) => c.disk.path === disk.disk);
  const variant = useStore((s) => s.variant);
  const hasGrub = !!facts?.sysroots.find((x) => x.name === variant)?.tools.grub;
  // A variant without GRUB cannot get a boot loader: say so instead of failing at the summary.
  useEffect(() => {
    if (!hasGrub && disk.bootloader !== 'none') setDisk({ bootloader: 'none' });
  }, [hasGrub, disk.bootloader, setDisk]);
  const passphrase = useStore((s) => s.passphrase);
  const ready = (disk.mode === 'erase' ? !!chosen && chosen.refusals.length === 0 : !!disk.root) && encryptionReady({ disk, passphrase });
  const next = async () => {
    const p = await problemsFor('disk', useStore.getState(), validate);
    setProblems(p);
    if (p.length === 0) go('user');
  };
  return (
    <PageFrame id="disk" title={t('disk.title')} onBack={() => go('variant')} onNext={next} nextDisabled={!ready}>
      <RadioGroup className="choices inline" value={disk.mode} onChange={(v) => setDisk({ mode: v as 'erase' | 'partitions' })}>
        <Label className="group-label">{t('disk.mode')}</Label>
        <Radio value="erase" className="choice">{t('disk.modeErase')}</Radio>
        <Radio value="partitions" className="choice">{t('disk.modePartitions')}</Radio>
      </RadioGroup>

      {disk.mode === 'erase' ? (
        <RadioGroup className="cards" value={disk.disk || null} onChange={(v) => setDisk({ disk: v })}>
          <Label className="group-label">{t('disk.chooseDisk')}</Label>
          {choices.map((c) => (
            <Radio key={c.disk.path} value={c.disk.path} className="card disk" isDisabled={c.refusals.length > 0} data-disk={c.disk.path}>
              <DiskLabel choice={c} />
            </Radio>
          ))}
          {choices.length === 0 && <p>{t('disk.noDisks')}</p>}
        </RadioGroup>
      ) : (
        <div className="fields">
          {rootOptions.length === 0 && <p>{t('disk.noPartitions')}</p>}
          <PartitionSelect label={t('disk.rootPartition')} value={disk.root} onChange={(root) => setDisk({ root })} options={rootOptions} />
          <PartitionSelect label={t('disk.efiPartition')} value={disk.efi} onChange={(efi) => setDisk({ efi })} options={espOptions} allowNone />
        </div>
      )}

      <div className="row-options">
      <RadioGroup className="choices inline" value={disk.filesystem} onChange={(v) => setDisk({ filesystem: v as 'ext4' | 'xfs' | 'btrfs' })}>
        <Label className="group-label">{t('disk.filesystem')}</Label>
        <Radio value="ext4" className="choice">ext4</Radio>
        <Radio value="xfs" className="choice">XFS</Radio>
        <Radio value="btrfs" className="choice">Btrfs</Radio>
      </RadioGroup>

      <RadioGroup className="choices inline" value={disk.swap} onChange={(v) => setDisk({ swap: v as 'auto' | 'none' | 'size' })}>
        <Label className="group-label">{t('disk.swap')}</Label>
        <Radio value="auto" className="choice">{t('disk.swapAuto')}</Radio>
        <Radio value="none" className="choice">{t('disk.swapNone')}</Radio>
        <Radio value="size" className="choice">{t('disk.swapSize')}</Radio>
      </RadioGroup>
      </div>
      {disk.swap === 'size' && (
        <TextField className="field" value={disk.swapSize} onChange={(swapSize) => setDisk({ swapSize })}>
          <Label>{t('disk.swapSizeLabel')}</Label>
          <Input />
        </TextField>
      )}
      <Checkbox className="confirm plain" isSelected={disk.bootloader === 'auto'} isDisabled={!hasGrub} onChange={(v) => setDisk({ bootloader: v ? 'auto' : 'none' })}>
        <span className="box" aria-hidden="true" />
        {t('disk.bootloader')}
      </Checkbox>
      {!hasGrub && <p className="note">{t('disk.noGrub')}</p>}
      <EncryptionFields />
      <Problems problems={problems} />
    </PageFrame>
  );
}
