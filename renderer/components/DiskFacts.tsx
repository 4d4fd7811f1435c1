// A disk as a person recognises it: a transport icon (USB, NVMe, SATA, SD card, image file), the model,
// the size, and each partition with its label, filesystem, size and the system found on it. Shared by the
// disk page's cards and the summary's "disk to erase".
import { useTranslation } from 'react-i18next';
import type { DiskInfo, PartitionInfo } from '../../electron/api.ts';
import { formatBytes } from '../store/format.ts';

export type TransportKind = 'usb' | 'nvme' | 'sata' | 'mmc' | 'image' | 'virtual' | 'disk';

export function transportOf(d: Pick<DiskInfo, 'transport' | 'type' | 'name'>): TransportKind {
  if (d.type === 'image') return 'image';
  const tr = (d.transport ?? '').toLowerCase();
  if (tr === 'usb') return 'usb';
  if (tr === 'nvme' || d.name.startsWith('nvme')) return 'nvme';
  if (tr === 'sata' || tr === 'ata' || tr === 'sas' || tr === 'scsi') return 'sata';
  if (tr === 'mmc' || d.name.startsWith('mmcblk')) return 'mmc';
  if (d.type === 'loop' || /^(vd|xvd)/.test(d.name)) return 'virtual';
  return 'disk';
}

const ICON: Record<TransportKind, string> = {
  usb: 'M9 2h6v5h2v9a5 5 0 0 1-10 0V7h2zM10 4v3h4V4z',
  nvme: 'M3 7h18v10H3zM6 10h3v4H6zm5 0h3v4h-3zm5 0h2v4h-2z',
  sata: 'M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm10 4a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
  mmc: 'M7 3h8l4 4v14H7zM9 5v3h2V5zm3 0v3h2V5z',
  image: 'M6 2h8l5 5v15H6zm8 0v5h5',
  virtual: 'M4 6h16v10H4zM9 18h6v2H9z',
  disk: 'M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm10 4a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
};

/** The icon, and the transport's name unless `named` is false (then it is only announced to screen readers). */
export function TransportIcon({ kind, named = true }: { kind: TransportKind; named?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`transport ${kind}`} data-transport={kind}>
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path d={ICON[kind]} fill="currentColor" fillRule="evenodd" />
      </svg>
      <span className={named ? 'transport-name' : 'sr-only'}>{t(`disk.transport.${kind}`)}</span>
    </span>
  );
}

/** One partition in words: `p3 · debian · ext4 · 100 MiB · Debian GNU/Linux 12`. */
export function partitionText(p: PartitionInfo, lng: string, t: (k: string) => string): string {
  const name = p.label ?? p.partlabel;
  return [p.path.replace(/^\/dev\//, ''), name, p.fstype ?? t('disk.noFilesystem'), formatBytes(p.sizeBytes, lng)].filter(Boolean).join(' · ');
}

export function PartitionList({ disk }: { disk: DiskInfo }) {
  const { t, i18n } = useTranslation();
  if (disk.partitions.length === 0) return <span className="parts-empty">{disk.type === 'image' ? t('disk.imageEmpty') : disk.fstype ? `${disk.fstype}` : t('disk.noPartitionsOnDisk')}</span>;
  return (
    <ul className="parts">
      {disk.partitions.map((p) => (
        <li key={p.path} data-partition={p.path}>
          <span>{partitionText(p, i18n.language, t)}</span>
          {p.os && <span className="os" data-os={p.os}>{t('disk.osFound', { os: p.os })}</span>}
        </li>
      ))}
    </ul>
  );
}

/** "Samsung SSD 980 · NVMe · 476.9 GiB", or the path when there is no model. */
export function diskTitle(d: DiskInfo): string {
  return d.model ?? d.name;
}
