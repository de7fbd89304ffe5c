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
  /** Linear trend of the daily peak (req/s per day). */
  dailyGrowth?: number;
  /** When the daily-peak trend reaches the planned peak (undefined: not growing). */
  trendCrossing?: Date;
  /** When the plan's own growth rate (e.g. 30 %/year) reaches the planned peak. */
  planCrossing?: Date;
}

export function capacityQueries(jobs: string) {
  const sel = `job=~${quoteRegex(jobs)}`;
  return {
    peakRps: `max_over_time(sum(rate(http_requests_total{${sel}}[5m]))[24h:5m])`,
    avgResponse: `sum(rate(http_request_duration_seconds_sum{${sel}}[24h])) / sum(rate(http_request_duration_seconds_count{${sel}}[24h]))`,
  };
}

export async function collectCapacity(
  q: DigestQueries,
  jobs: string,
  plan: DigestConfig['capacity'],
): Promise<CapacityFigures> {
  const e = capacityQueries(jobs);
  const [peakRps, peakRpsBefore, avgResponse] = await Promise.all([
    q.scalar(e.peakRps),
    q.scalar(e.peakRps, 1),
    q.scalar(e.avgResponse),
  ]);
  const out: CapacityFigures = { plan, peakRps, peakRpsBefore, avgResponse };
  if (peakRps === undefined) return out;
  out.headroom = 1 - peakRps / plan.peakRps;
  const now = q.now.getTime();
  if (peakRpsBefore !== undefined) {
    out.dailyGrowth = peakRps - peakRpsBefore;
    if (out.dailyGrowth > 0 && peakRps < plan.peakRps) {
      const days = (plan.peakRps - peakRps) / out.dailyGrowth;
      if (days < 365 * 100) out.trendCrossing = new Date(now + days * DAY_SECONDS * 1000);
    }
  }
  if (plan.requestGrowthPerYear > 0 && peakRps > 0 && peakRps < plan.peakRps) {
    const years = Math.log(plan.peakRps / peakRps) / Math.log(1 + plan.requestGrowthPerYear);
    if (years < 100) out.planCrossing = new Date(now + years * 365 * DAY_SECONDS * 1000);
  }
  return out;
}
