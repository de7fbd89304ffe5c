/** Small formatting helpers of the digest: sparklines, changes against the previous day, numbers. */

const BARS = '▁▂▃▄▅▆▇█';

/**
 * Drawn for an hour without data. Not a space: layout squashes and trims runs of spaces, and an
 * outage must neither shrink nor vanish from the line.
 */
export const SPARK_GAP = '·';

/** A unicode sparkline; gaps (NaN / missing) are SPARK_GAP, a flat non-zero line sits in the middle. */
export function sparkline(values: number[]): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // Floating-point noise of a constant series (e.g. histogram_quantile) is a flat line, not a zigzag.
  const flat = max - min <= 1e-9 * Math.max(Math.abs(max), Math.abs(min));
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return SPARK_GAP;
      if (flat) return max === 0 ? BARS[0] : BARS[3];
      const i = Math.round(((v - min) / (max - min)) * (BARS.length - 1));
      return BARS[i];
    })
    .join('');
}

/** Relative change in percent: "▲12.5%", "▼3.0%", "=" (or '' when there is nothing to compare). */
export function relativeChange(now: number | undefined, before: number | undefined): string {
  if (now === undefined || before === undefined) return '';
  if (before === 0) return now === 0 ? '=' : '▲';
  const pct = ((now - before) / Math.abs(before)) * 100;
  if (Math.abs(pct) < 0.05) return '=';
  return `${pct > 0 ? '▲' : '▼'}${Math.abs(pct).toFixed(1)}%`;
}

/** Change of a ratio in percentage points: "▲5.00pp", "▼0.50pp", "=". */
export function pointChange(now: number | undefined, before: number | undefined, digits = 2): string {
  if (now === undefined || before === undefined) return '';
  const pp = (now - before) * 100;
  if (Math.abs(pp) < 0.5 * 10 ** -digits) return '=';
  return `${pp > 0 ? '▲' : '▼'}${Math.abs(pp).toFixed(digits)}pp`;
}

export function percent(ratio: number, digits = 2): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** 14256000 → "14.3M", 9500 → "9.5k", 42 → "42". */
export function count(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function rps(n: number): string {
  return `${n.toFixed(1)}/s`;
}

export function ms(seconds: number): string {
  const v = seconds * 1000;
  return v >= 10 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** The calendar date (YYYY-MM-DD) of `at` in `timeZone`. */
export function dateIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** "2026-11-25 09:00" in `timeZone`. */
export function dateTimeIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
