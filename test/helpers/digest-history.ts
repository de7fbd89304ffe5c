/**
 * 49 hours of synthetic Laojun metrics (the manual's names) at a 60 s step, as OpenMetrics for
 * `promtool tsdb create-blocks-from openmetrics`, built so that every digest figure has a value
 * known by hand. `now` is half a step after the last sample, so a `[24h]` window holds exactly
 * 1,440 samples whichever end of the range Prometheus includes.
 *
 * Hours are counted inside each day window: hour 0 is the oldest of the 24, hour 23 the newest.
 *
 * Services (today / the day before):
 *  - laojun-gateway: req/s 50 + 10·h (peak 280) / 0.9× that (peak 252); 5xx 1 % / 1.5 %;
 *    latency ≤0.1 s 50 %, ≤0.25 s 90 %, ≤0.5 s 100 % → p95 375 ms / (60 %, 95 %, 100 %) → 250 ms; up 100 %.
 *  - laojun-admin-api: req/s 20 + 2·h (peak 66) / 0.9×; 5xx 2 % both days; latency (50, 70, 90, 100 %)
 *    → p95 750 ms both days; up 0 for 72 min today (95.00 %) and 144 min the day before (90.00 %).
 *  - laojun-config-center: 5 req/s both days, no 5xx series at all; p95 375 ms; up 100 %.
 * Resources:
 *  - app-1:9100: cpu 40 % with one hour at 80 % today (avg 41.7 %, max 80.0 %); memory 62.5 %;
 *    disk 100 GB, free falls 1 GB/day to 30 GB now → 70.0 % used, 15.0 days to 85 %.
 *  - db-1:9100: cpu 20 %, memory 50 %, disk 50 % and steady.
 *  - db_connections_active{instance="db-1:9187"} 30, one sample at 80, db_connections_max 100.
 *  - redis_memory_used_bytes 512 MiB now (768 MiB for an hour today), redis_memory_max_bytes 2 GiB.
 *  - cache_hits_total 95/s, cache_misses_total 5/s → hit ratio 95.0 %.
 */
export const STEP = 60;
const DAY = 86_400;
const HOURS = 49;

export interface History {
  /** When the digest looks (unix seconds): last sample + 30 s. */
  now: number;
  openMetrics: string;
}

type Labels = Record<string, string>;

/** Time (seconds before `now`) → hour index within its day window, and which day (0 today, 1 before). */
function when(age: number): { day: number; hour: number } {
  const day = Math.floor(age / DAY);
  return { day, hour: Math.floor((DAY - (age - day * DAY)) / 3600) };
}

interface Job {
  job: string;
  instance: string;
  /** Total req/s at an age. */
  rate(age: number): number;
  errorShare(day: number): number | undefined;
  /** Cumulative share of requests at or under 0.1, 0.25, 0.5, 1 s. */
  buckets(day: number): [number, number, number, number];
  meanSeconds: number;
  up(age: number): number;
}

const down = (age: number, minutesToday: number, minutesBefore: number) => {
  const { day, hour } = when(age);
  const minuteOfWindow = hour * 60 + Math.floor(((DAY - (age % DAY)) % 3600) / 60);
  const minutes = day === 0 ? minutesToday : day === 1 ? minutesBefore : 0;
  // The outage starts at 10:00 of the window, well inside it.
  return minuteOfWindow >= 600 && minuteOfWindow < 600 + minutes ? 0 : 1;
};

export const JOBS: Job[] = [
  {
    job: 'laojun-gateway',
    instance: 'gateway:8083',
    rate: (age) => {
      const { day, hour } = when(age);
      return (50 + 10 * hour) * (day === 0 ? 1 : 0.9);
    },
    errorShare: (day) => (day === 0 ? 0.01 : 0.015),
    buckets: (day) => (day === 0 ? [0.5, 0.9, 1, 1] : [0.6, 0.95, 1, 1]),
    meanSeconds: 0.12,
    up: () => 1,
  },
  {
    job: 'laojun-admin-api',
    instance: 'admin:8080',
    rate: (age) => {
      const { day, hour } = when(age);
      return (20 + 2 * hour) * (day === 0 ? 1 : 0.9);
    },
    errorShare: () => 0.02,
    buckets: () => [0.5, 0.7, 0.9, 1],
    meanSeconds: 0.3,
    up: (age) => down(age, 72, 144),
  },
  {
    job: 'laojun-config-center',
    instance: 'config:8082',
    rate: () => 5,
    errorShare: () => undefined,
    buckets: () => [0.5, 0.9, 1, 1],
    meanSeconds: 0.05,
    up: () => 1,
  },
];

const LE = ['0.1', '0.25', '0.5', '1', '+Inf'];

function labelText(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

export function buildHistory(nowMs = Date.now()): History {
  const last = Math.floor(nowMs / 1000 / STEP) * STEP - STEP;
  const now = last + STEP / 2;
  const n = (HOURS * 3600) / STEP;
  const times = Array.from({ length: n + 1 }, (_, i) => last - (n - i) * STEP);
  const families = new Map<string, string[]>();
  const series = (family: string, labels: Labels, value: (t: number, i: number) => number) => {
    const lines = families.get(family) ?? [];
    const l = labelText(labels);
    times.forEach((t, i) => {
      lines.push(`${family}${l} ${Number(value(t, i).toFixed(6))} ${t}`);
    });
    families.set(family, lines);
  };
  /** A counter growing by rate(age) per second over each step. */
  const counter = (family: string, labels: Labels, perSecond: (age: number) => number) => {
    let total = 1_000;
    series(family, labels, (t, i) => {
      if (i > 0) total += perSecond(now - t) * STEP;
      return total;
    });
  };

  for (const j of JOBS) {
    const base = { job: j.job, instance: j.instance };
    series('up', base, (t) => j.up(now - t));
    const share = (age: number) => j.errorShare(when(age).day) ?? 0;
    counter('http_requests_total', { ...base, status: '200' }, (age) => j.rate(age) * (1 - share(age)));
    if (j.errorShare(0) !== undefined) {
      counter('http_requests_total', { ...base, status: '500' }, (age) => j.rate(age) * share(age));
    }
    LE.forEach((le, k) => {
      counter('http_request_duration_seconds_bucket', { ...base, le }, (age) => {
        const b = j.buckets(when(age).day);
        return j.rate(age) * (k < 4 ? (b[k] ?? 1) : 1);
      });
    });
    counter('http_request_duration_seconds_count', base, (age) => j.rate(age));
    counter('http_request_duration_seconds_sum', base, (age) => j.rate(age) * j.meanSeconds);
  }

  const app = { job: 'node', instance: 'app-1:9100' };
  const db = { job: 'node', instance: 'db-1:9100' };
  series('cpu_usage_percent', app, (t) => {
    const { day, hour } = when(now - t);
    return day === 0 && hour === 12 ? 80 : 40;
  });
  series('cpu_usage_percent', db, () => 20);
  series('memory_usage_percent', app, () => 62.5);
  series('memory_usage_percent', db, () => 50);
  series('disk_total_bytes', app, () => 100e9);
  series('disk_total_bytes', db, () => 100e9);
  series('disk_free_bytes', app, (t) => 30e9 + ((now - t) / DAY) * 1e9);
  series('disk_free_bytes', db, () => 50e9);
  const pg = { job: 'postgres', instance: 'db-1:9187' };
  series('db_connections_active', pg, (t) => (now - t === 5 * 3600 + 30 ? 80 : 30));
  series('db_connections_max', pg, () => 100);
  const redis = { job: 'redis', instance: 'redis-1:9121' };
  const mib = 1024 * 1024;
  series('redis_memory_used_bytes', redis, (t) => {
    const { day, hour } = when(now - t);
    return day === 0 && hour === 8 ? 768 * mib : 512 * mib;
  });
  series('redis_memory_max_bytes', redis, () => 2048 * mib);
  counter('cache_hits_total', { job: 'laojun-gateway', instance: 'gateway:8083' }, () => 95);
  counter('cache_misses_total', { job: 'laojun-gateway', instance: 'gateway:8083' }, () => 5);

  const out: string[] = [];
  for (const [family, lines] of families) {
    out.push(`# TYPE ${family} unknown`, ...lines);
  }
  out.push('# EOF', '');
  return { now, openMetrics: out.join('\n') };
}
