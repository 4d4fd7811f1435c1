// Sizes, rates and durations formatted per language with Intl.
export function formatBytes(bytes: number, lng: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return new Intl.NumberFormat(lng, { style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v);
}

export function formatRate(bytesPerSecond: number, lng: string): string {
  const units = ['byte-per-second', 'kilobyte-per-second', 'megabyte-per-second', 'gigabyte-per-second'] as const;
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return new Intl.NumberFormat(lng, { style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: 1 }).format(v);
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
