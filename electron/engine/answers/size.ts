// Sizes in answer files (`4GiB`, `512M`, `2GB`, `1048576`), as util-linux reads them:
// K/M/G/T and KiB/MiB/... are powers of 1024, KB/MB/GB/TB powers of 1000, no unit is bytes.
import { SIZE_RE } from '../../shared/answers.ts';

const POWERS: Record<string, number> = { K: 1, M: 2, G: 3, T: 4 };

export function parseSize(text: string): number {
  const m = SIZE_RE.exec(text);
  if (!m) throw new Error(`Not a size: "${text}" (examples: 4GiB, 512MiB, 2G, 1073741824)`);
  const value = Number(m[1]);
  const unit = (m[2] ?? 'B').toUpperCase();
  let bytes: number;
  if (unit === 'B') bytes = value;
  else {
    const power = POWERS[unit[0]!]!;
    const decimal = unit.length === 2 && unit[1] === 'B'; // KB, MB, GB, TB
    bytes = value * (decimal ? 1000 : 1024) ** power;
  }
  bytes = Math.floor(bytes);
  if (!Number.isSafeInteger(bytes)) throw new Error(`Size too large: "${text}"`);
  return bytes;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `4 GiB`, `1.5 GiB`, `512 MiB`, `100 B`: binary units, at most one decimal. */
export function formatSize(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[u]}`;
}
