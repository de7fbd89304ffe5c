import type { Tone } from '../report/report.ts';
import type { ProbeResult } from '../sources/probe.ts';

/** One line of a service's status: what was checked, how it looks, the figure or the reason. */
export interface Check {
  /** Stable id (`up`, `rps`, `errors`, `p95`, `health`, `connections`, …) for machines and tests. */
  id: string;
  label: string;
  tone: Tone;
  value: string;
  /** Shown in the one-line overview (otherwise only in the detail view). */
  brief?: boolean;
  /**
   * The figures behind `value` for machines (`--json`): numbers with their unit, never localized,
   * e.g. `{ usedMemory: { value: 3565158, unit: 'bytes' }, version: { value: '7.0.15' } }`.
   */
  figures?: Record<string, Figure>;
}

/** A number with its unit (`bytes`, `ms`, `ratio` for 0…1, `req/s`, `count`), or a plain fact. */
export interface Figure {
  value: number | string;
  unit?: string;
}

/** A figure with its unit. */
export const fig = (value: number | string, unit?: string): Figure => (unit ? { value, unit } : { value });

export interface ServiceStatus {
  service: string;
  kind: string;
  tone: Tone;
  checks: Check[];
}

const SEVERITY: Record<Tone, number> = { error: 4, warn: 3, unknown: 2, info: 1, ok: 0 };

/** A service is as bad as its worst answered check; unknown only when its main check is unknown. */
export function serviceTone(checks: Check[]): Tone {
  const answered = checks.filter((c) => c.tone === 'error' || c.tone === 'warn');
  if (answered.length > 0) {
    return answered.reduce<Tone>((w, c) => (SEVERITY[c.tone] > SEVERITY[w] ? c.tone : w), 'ok');
  }
  const main = checks[0];
  return !main || main.tone === 'unknown' || main.tone === 'info' ? 'unknown' : 'ok';
}

/** A check from a probe: failed probes become `unknown` with their reason. */
export function fromProbe<T>(
  id: string,
  label: string,
  result: ProbeResult<T>,
  judge: (value: T, ms: number) => { tone: Tone; value: string },
  brief = true,
): Check {
  if (!result.ok) return { id, label, tone: 'unknown', value: result.reason, brief };
  return { id, label, brief, ...judge(result.value, result.ms) };
}

/** Escapes a value for a PromQL regex matcher inside double quotes. */
export function promRegexEscape(value: string): string {
  return value
    .replace(/[\\.*+?^${}()|[\]]/g, '\\$&')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"');
}
