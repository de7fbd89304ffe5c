import { medianSorted } from 'simple-statistics';
import type { ServiceConfig } from '../config.ts';
import { serviceOf } from '../incidents/evidence-config.ts';
import { incidentTimes, noiseByAlert, type Queryable } from '../incidents/store.ts';

/** Median and 90th percentile (ms) of a set of durations; null when there are none. */
export interface Spread {
  count: number;
  median: number | null;
  p90: number | null;
}

export interface GroupStats {
  name: string;
  incidents: number;
  mtta: Spread;
  mttr: Spread;
}

export interface IncidentStats {
  days: number;
  since: Date;
  incidents: number;
  overall: { mtta: Spread; mttr: Spread };
  byAlert: GroupStats[];
  byService: GroupStats[];
}

export interface NoiseStats {
  noisiest: Array<{ alertname: string; incidents: number; alerts: number }>;
  flapping: Array<{ alertname: string; flaps: number; incidents: number }>;
}

interface Row {
  alertname: string;
  service: string;
  tta: number | null;
  ttr: number | null;
}

/**
 * Median (the middle value, or the mean of the two middle ones) and p90 by nearest rank: the value
 * 90 % of the incidents did not exceed (with 5 incidents, the slowest; an observed time, never an
 * interpolated one).
 */
export function spread(values: readonly (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { count: 0, median: null, p90: null };
  const p90 = xs[Math.max(0, Math.ceil(0.9 * xs.length) - 1)] ?? null;
  return { count: xs.length, median: medianSorted(xs), p90 };
}

function group(rows: readonly Row[], key: (r: Row) => string): GroupStats[] {
  const by = new Map<string, Row[]>();
  for (const r of rows) {
    const k = key(r);
    if (!k) continue;
    const list = by.get(k) ?? [];
    list.push(r);
    by.set(k, list);
  }
  return [...by.entries()]
    .map(([name, rs]) => ({
      name,
      incidents: rs.length,
      mtta: spread(rs.map((r) => r.tta)),
      mttr: spread(rs.map((r) => r.ttr)),
    }))
    .sort((a, b) => b.incidents - a.incidents || a.name.localeCompare(b.name));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * MTTA (start → acknowledgement) and MTTR (start → resolution) of the incidents that started in the
 * last `days`, overall, per alert name and per service (median and p90).
 */
export async function incidentStats(
  db: Queryable,
  services: readonly ServiceConfig[],
  now: Date,
  days: number,
): Promise<IncidentStats> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows: Row[] = (await incidentTimes(db, since, now)).map((x) => {
    const labels = {
      ...(x.common_labels as Record<string, string>),
      ...(x.group_labels as Record<string, string>),
    };
    return {
      alertname: String(x.alertname ?? ''),
      service: serviceOf(labels, services) ?? labels.service ?? '',
      tta: num(x.time_to_ack_ms),
      ttr: num(x.time_to_resolve_ms),
    };
  });
  return {
    days,
    since,
    incidents: rows.length,
    overall: { mtta: spread(rows.map((x) => x.tta)), mttr: spread(rows.map((x) => x.ttr)) },
    byAlert: group(rows, (x) => x.alertname),
    byService: group(rows, (x) => x.service),
  };
}

/** The alerts that opened the most incidents (and alert instances), and the ones that flapped most. */
export async function noiseStats(db: Queryable, now: Date, days = 7, limit = 5): Promise<NoiseStats> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = (await noiseByAlert(db, since, now)).map((x) => ({
    alertname: String(x.alertname),
    incidents: Number(x.incidents),
    flaps: Number(x.flaps),
    alerts: Number(x.alerts),
  }));
  return {
    noisiest: [...rows]
      .sort(
        (a, b) => b.incidents - a.incidents || b.alerts - a.alerts || a.alertname.localeCompare(b.alertname),
      )
      .slice(0, limit)
      .map(({ alertname, incidents, alerts }) => ({ alertname, incidents, alerts })),
    flapping: rows
      .filter((x) => x.flaps > 0)
      .sort((a, b) => b.flaps - a.flaps || a.alertname.localeCompare(b.alertname))
      .slice(0, limit)
      .map(({ alertname, flaps, incidents }) => ({ alertname, flaps, incidents })),
  };
}
