import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from '../../electron/engine/answers/size.ts';

describe('parseSize', () => {
  it.each([
    ['4GiB', 4 * 1024 ** 3],
    ['4G', 4 * 1024 ** 3],
    ['4gib', 4 * 1024 ** 3],
    ['4GB', 4e9],
    ['512MiB', 512 * 1024 ** 2],
    ['512M', 512 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2KiB', 2048],
    ['2K', 2048],
    ['2KB', 2000],
    ['1TiB', 1024 ** 4],
    ['1073741824', 1073741824],
    ['100B', 100],
    [' 8 GiB ', 8 * 1024 ** 3],
    ['0', 0],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'auto', '-1G', '4XB', 'GiB', '4 G i B', '1e9', '4,5G', '99999999999999999999T'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(/not a size|too large/i);
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [100, '100 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [512 * 1024 ** 2, '512 MiB'],
    [4 * 1024 ** 3, '4 GiB'],
    [1.25 * 1024 ** 3, '1.3 GiB'],
    [3 * 1024 ** 4, '3 TiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('round-trips through parseSize for whole binary units', () => {
    for (const b of [1024, 16 * 1024 ** 2, 4 * 1024 ** 3]) expect(parseSize(formatSize(b).replace(' ', ''))).toBe(b);
  });
});
