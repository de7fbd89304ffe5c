import { linearRegression } from 'simple-statistics';
import type { DigestConfig } from './config.ts';
import { DAY_SECONDS, type DigestQueries, quoteRegex } from './prom.ts';

export interface CapacityFigures {
  plan: DigestConfig['capacity'];
  peakRps?: number;
  peakRpsBefore?: number;
  /** Seconds. */
  avgResponse?: number;
  /** 1 - peak / plan; negative when over the plan. */
  headroom?: number;
  /** Least-squares trend of the daily peaks of the last `trendDays` days (req/s per day). */
  dailyGrowth?: number;
  /** How many daily peaks the trend is fitted to (at least 2; up to `TREND_DAYS`). */
  trendDays?: number;
  /** When the daily-peak trend reaches the planned peak (undefined: not growing). */
  trendCrossing?: Date;
  /** When the plan's own growth rate (e.g. 30 %/year) reaches the planned peak. */
  planCrossing?: Date;
}

/** Daily peaks looked at for the trend: a week, so one busy or quiet day does not swing the date. */
export const TREND_DAYS = 7;

/**
 * The slope of the daily peaks (req/s per day), fitted by least squares to the days that have
 * data; `peaks[k]` is the peak of the 24 h ending k days ago. Undefined with fewer than two days.
 */
export function peakTrend(peaks: Array<number | undefined>): { slope: number; days: number } | undefined {
  const points = peaks.flatMap((p, k): Array<[number, number]> => (p === undefined ? [] : [[-k, p]]));
  if (points.length < 2) return undefined;
  return { slope: linearRegression(points).m, days: points.length };
}

export function capacityQueries(jobs: string) {
  const sel = `job=~${quoteRegex(jobs)}`;
  return {
    peakRps: `max_over_time(sum(rate(http_requests_total{${sel}}[5m]))[24h:5m])`,
    /** When the request history begins (at hourly resolution, within the trend's week). */
    historyStart: `min_over_time(timestamp(sum(rate(http_requests_total{${sel}}[5m])))[${TREND_DAYS}d:1h])`,
    avgResponse: `sum(rate(http_request_duration_seconds_sum{${sel}}[24h])) / sum(rate(http_request_duration_seconds_count{${sel}}[24h]))`,
  };
}

export async function collectCapacity(
  q: DigestQueries,
  jobs: string,
  plan: DigestConfig['capacity'],
): Promise<CapacityFigures> {
  const e = capacityQueries(jobs);
  const [avgResponse, historyStart, ...peaks] = await Promise.all([
    q.scalar(e.avgResponse),
    q.scalar(e.historyStart),
    ...Array.from({ length: TREND_DAYS }, (_, k) => q.scalar(e.peakRps, k)),
  ]);
  const [peakRps, peakRpsBefore] = peaks;
  // A day whose 24 h began before the history did has a peak of only part of a day: the trend
  // leaves it out (today is always kept). Two hours of slack for the hourly resolution.
  const complete = peaks.map((p, k) => {
    const dayStart = q.now.getTime() / 1000 - (k + 1) * DAY_SECONDS;
    return k === 0 || (historyStart !== undefined && dayStart >= historyStart - 2 * 3600) ? p : undefined;
  });
  const out: CapacityFigures = { plan, peakRps, peakRpsBefore, avgResponse };
  if (peakRps === undefined) return out;
  out.headroom = 1 - peakRps / plan.peakRps;
  const now = q.now.getTime();
  const trend = peakTrend(complete);
  if (trend) {
    out.dailyGrowth = trend.slope;
    out.trendDays = trend.days;
    if (trend.slope > 0 && peakRps < plan.peakRps) {
      const days = (plan.peakRps - peakRps) / trend.slope;
      if (days < 365 * 100) out.trendCrossing = new Date(now + days * DAY_SECONDS * 1000);
    }
  }
  if (plan.requestGrowthPerYear > 0 && peakRps > 0 && peakRps < plan.peakRps) {
    const years = Math.log(plan.peakRps / peakRps) / Math.log(1 + plan.requestGrowthPerYear);
    if (years < 100) out.planCrossing = new Date(now + years * 365 * DAY_SECONDS * 1000);
  }
  return out;
}
