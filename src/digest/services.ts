import { type DigestQueries, quoteRegex } from './prom.ts';

/** One `laojun-*` job over the last 24 h, with the same figures for the 24 h before. */
export interface ServiceFigures {
  job: string;
  availability?: number;
  availabilityBefore?: number;
  requests?: number;
  requestsBefore?: number;
  peakRps?: number;
  peakRpsBefore?: number;
  /** Seconds. */
  p95?: number;
  p95Before?: number;
  errorRatio?: number;
  errorRatioBefore?: number;
  /** Hourly request rate (24 points, oldest first). */
  rpsTrend: number[];
  /** Hourly p95 in seconds. */
  p95Trend: number[];
}

/** The PromQL of the Services section, one place (documented in docs/digest.md). */
export function serviceQueries(jobs: string) {
  const sel = `job=~${quoteRegex(jobs)}`;
  const requests = `sum by (job) (increase(http_requests_total{${sel}}[24h]))`;
  return {
    availability: `avg by (job) (avg_over_time(up{${sel}}[24h]))`,
    requests,
    peakRps: `max_over_time(sum by (job) (rate(http_requests_total{${sel}}[5m]))[24h:5m])`,
    p95: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${sel}}[24h])))`,
    // No 5xx series at all means a ratio of 0, not "no data".
    errorRatio: `(sum by (job) (increase(http_requests_total{${sel},status=~"5.."}[24h])) or ${requests} * 0) / ${requests}`,
    rpsTrend: `sum by (job) (rate(http_requests_total{${sel}}[1h]))`,
    p95Trend: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${sel}}[1h])))`,
  };
}

function hourly(points: Array<[number, number]>, end: number): number[] {
  const byHour = new Map(points.map(([t, v]) => [Math.round((end - t) / 3600), v]));
  return Array.from({ length: 24 }, (_, i) => byHour.get(23 - i) ?? Number.NaN);
}

export async function collectServices(q: DigestQueries, jobs: string): Promise<ServiceFigures[]> {
  const e = serviceQueries(jobs);
  const [avail, availB, req, reqB, peak, peakB, p95, p95B, err, errB, rpsT, p95T] = await Promise.all([
    q.byLabel(e.availability, 'job'),
    q.byLabel(e.availability, 'job', 1),
    q.byLabel(e.requests, 'job'),
    q.byLabel(e.requests, 'job', 1),
    q.byLabel(e.peakRps, 'job'),
    q.byLabel(e.peakRps, 'job', 1),
    q.byLabel(e.p95, 'job'),
    q.byLabel(e.p95, 'job', 1),
    q.byLabel(e.errorRatio, 'job'),
    q.byLabel(e.errorRatio, 'job', 1),
    q.last24h(e.rpsTrend, 3600),
    q.last24h(e.p95Trend, 3600),
  ]);
  const end = q.now.getTime() / 1000;
  const trend = (series: typeof rpsT, job: string) =>
    hourly(series.find((s) => s.labels.job === job)?.points ?? [], end);
  const names = [...new Set([...avail.keys(), ...req.keys()])].filter(Boolean).sort();
  return names.map((job) => ({
    job,
    availability: avail.get(job),
    availabilityBefore: availB.get(job),
    requests: req.get(job),
    requestsBefore: reqB.get(job),
    peakRps: peak.get(job),
    peakRpsBefore: peakB.get(job),
    p95: p95.get(job),
    p95Before: p95B.get(job),
    errorRatio: err.get(job),
    errorRatioBefore: errB.get(job),
    rpsTrend: trend(rpsT, job),
    p95Trend: trend(p95T, job),
  }));
}
