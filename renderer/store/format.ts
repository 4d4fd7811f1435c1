// Sizes, rates and durations formatted per language with Intl. Sizes are binary (KiB, MiB, GiB) like the
// CLI and the engine's messages, so a disk reads the same everywhere; the number follows the language.
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function binary(bytes: number, lng: string, digits: (v: number, unit: number) => number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(lng, { maximumFractionDigits: digits(v, i) }).format(v)} ${BINARY[i]}`;
}

export function formatBytes(bytes: number, lng: string): string {
  return binary(bytes, lng, (v, i) => (v < 10 && i > 0 ? 1 : 0));
}

export function formatRate(bytesPerSecond: number, lng: string): string {
  return `${binary(bytesPerSecond, lng, () => 1)}/s`;
}

/** Seconds → "2 min 5 s" in the language's own words (Intl.NumberFormat units). */
export function formatDuration(seconds: number, lng: string): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const f = (n: number, unit: 'hour' | 'minute' | 'second') => new Intl.NumberFormat(lng, { style: 'unit', unit, unitDisplay: 'short' }).format(n);
  if (h > 0) return `${f(h, 'hour')} ${f(m, 'minute')}`;
  if (m > 0) return `${f(m, 'minute')} ${f(sec, 'second')}`;
  return f(sec, 'second');
}

export function formatTime(d: Date, lng: string): string {
  return new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}
