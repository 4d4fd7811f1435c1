// The pure comparison behind "the confirmed plan runs on the disk it was made for" (disks/identity-diff.ts).
import { describe, expect, it } from 'vitest';
import { identityChanges, type DiskIdentity } from '../../electron/engine/disks/identity-diff.ts';

const stick: DiskIdentity = {
  path: '/dev/sdb',
  sizeBytes: 32_010_928_128,
  model: 'Ultra Fit',
  serial: '4C530001234',
  table: 'label: gpt\nlabel-id: 11111111-2222-3333-4444-555555555555\n/dev/sdb1 : start=2048, size=1048576, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=AAAA',
  filesystems: '/dev/sdb1 vfat 1234-ABCD AAAA',
};

describe('identityChanges', () => {
  it('finds nothing when every property is the same', () => {
    expect(identityChanges(stick, { ...stick })).toEqual([]);
  });
  it('names each property that changed, in a fixed order', () => {
    const other = { ...stick, sizeBytes: 16_000_000_000, serial: 'X', table: '', filesystems: '' };
    expect(identityChanges(stick, other)).toEqual(['size', 'serial', 'partition-table', 'filesystems']);
  });
  it('a reformatted partition (same table, new filesystem UUID) is a change', () => {
    expect(identityChanges(stick, { ...stick, filesystems: '/dev/sdb1 vfat 9999-0000 AAAA' })).toEqual(['filesystems']);
  });
  it('a property the kernel gives for neither reading is no change; one that appears or vanishes is', () => {
    const noModel = { ...stick, model: undefined } as DiskIdentity;
    expect(identityChanges(noModel, { ...noModel })).toEqual([]);
    expect(identityChanges(noModel, stick)).toEqual(['model']);
    expect(identityChanges({ ...stick, filesystems: undefined } as DiskIdentity, { ...stick, filesystems: '' })).toEqual([]);
  });
});
