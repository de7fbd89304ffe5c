/**
 * A fake Laojun service for Prometheus to scrape: `/metrics` (Prometheus text exposition format 0.0.4)
 * and `/health`, both under the test's control.
 *
 * Samples are static values or counters growing at a rate (`setRate`), so rules built on `rate(...)`
 * (HighErrorRate, HighResponseTime) can be driven without a clock in the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './ports.ts';
import { withPortRetry } from './process.ts';

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';

/** Cumulative bucket counts, `[upperBound, count]`; `+Inf` is added (= count) if missing. */
export type HistogramBuckets = Array<[number, number]>;

export interface HistogramValue {
  buckets: HistogramBuckets;
  sum: number;
  /** Defaults to the `+Inf` bucket, else the largest bucket count. */
  count?: number;
}

export interface MetricsServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** `127.0.0.1:<port>`, for a Prometheus static scrape target. */
  hostPort: string;
  /** Sets a sample to a fixed value (replaces a rate). */
  set(name: string, labels: Labels, value: number): void;
  /** Adds to a sample (created at 0). */
  inc(name: string, labels?: Labels, by?: number): void;
  /** Makes a sample grow by `perSecond` from its current value (a counter under steady traffic). */
  setRate(name: string, labels: Labels, perSecond: number): void;
  /** Sets `<name>_bucket{le}`, `<name>_sum`, `<name>_count` to fixed cumulative values. */
  setHistogram(name: string, labels: Labels, value: HistogramValue): void;
  /** Makes a histogram grow: bucket counts, sum and count are per-second rates. */
  setHistogramRate(name: string, labels: Labels, perSecond: HistogramValue): void;
  /** Declares a metric's `# TYPE` (and optional `# HELP`); `_total` names default to counter. */
  setType(name: string, type: MetricType, help?: string): void;
  /** Removes samples of `name` (all of them, or only those with exactly these labels). */
  remove(name: string, labels?: Labels): void;
  /** Exposition lines appended verbatim after the generated ones ('' to clear). */
  setRaw(text: string): void;
  /** Removes every sample and raw line. */
  clear(): void;
  /** HTTP status of `/metrics` (default 200; anything else answers with an error body → `up` = 0). */
  setMetricsStatus(code: number): void;
  /** HTTP status (and body) of `/health` (default 200, `{"status":"ok"}`). */
  setHealthStatus(code: number, body?: string): void;
  /** Delay before answering any request, in ms (for scrape timeouts / slow health checks). */
  setDelay(ms: number): void;
  /** The current exposition text. */
  render(): string;
  /** How many times `/metrics` was requested. */
  readonly scrapes: number;
  /** Resolves after the next `/metrics` request has been answered. */
  nextScrape(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Sample {
  name: string;
  labels: Labels;
  base: number;
  perSecond: number;
  since: number;
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function histogramSeries(name: string, value: HistogramValue): Array<[string, Labels, number]> {
  const buckets = [...value.buckets].sort((a, b) => a[0] - b[0]);
  const last = buckets.at(-1);
  const inf = last && last[0] === Number.POSITIVE_INFINITY ? last[1] : undefined;
  const count = value.count ?? inf ?? Math.max(0, ...buckets.map(([, c]) => c));
  if (inf === undefined) buckets.push([Number.POSITIVE_INFINITY, count]);
  return [
    ...buckets.map(([le, c]): [string, Labels, number] => [`${name}_bucket`, { le: formatNumber(le) }, c]),
    [`${name}_sum`, {}, value.sum],
    [`${name}_count`, {}, count],
  ];
}

export async function startMetricsServer(): Promise<MetricsServer> {
  const samples = new Map<string, Sample>();
  const types = new Map<string, { type: MetricType; help?: string }>();
  let raw = '';
  let metricsStatus = 200;
  let healthStatus = 200;
  let healthBody = '{"status":"ok"}';
  let delayMs = 0;
  let scrapes = 0;
  let scrapeWaiters: Array<() => void> = [];

  const key = (name: string, labels: Labels) => `${name}${labelKey(labels)}`;
  const currentValue = (s: Sample, now: number) => s.base + (s.perSecond * (now - s.since)) / 1000;
  const put = (name: string, labels: Labels, base: number, perSecond: number) => {
    samples.set(key(name, labels), { name, labels: { ...labels }, base, perSecond, since: Date.now() });
  };

  const familyOf = (sampleName: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (sampleName.endsWith(suffix)) {
        const family = sampleName.slice(0, -suffix.length);
        if (types.get(family)?.type === 'histogram') return family;
      }
    }
    return sampleName;
  };

  const render = (): string => {
    const now = Date.now();
    const byFamily = new Map<string, Sample[]>();
    for (const s of samples.values()) {
      const family = familyOf(s.name);
      const list = byFamily.get(family) ?? [];
      list.push(s);
      byFamily.set(family, list);
    }
    const lines: string[] = [];
    for (const [family, list] of byFamily) {
      const meta = types.get(family) ?? { type: family.endsWith('_total') ? 'counter' : 'gauge' };
      if (meta.help)
        lines.push(`# HELP ${family} ${meta.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`);
      lines.push(`# TYPE ${family} ${meta.type}`);
      for (const s of list) {
        const labelText = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
          .join(',');
        lines.push(`${s.name}${labelText ? `{${labelText}}` : ''} ${formatNumber(currentValue(s, now))}`);
      }
    }
    const text = lines.join('\n');
    return `${text}${text ? '\n' : ''}${raw}${raw && !raw.endsWith('\n') ? '\n' : ''}`;
  };

  const server = http.createServer((req, res) => {
    const answer = () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        scrapes++;
        if (metricsStatus === 200) {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(render());
        } else {
          res.writeHead(metricsStatus, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        }
        const waiters = scrapeWaiters;
        scrapeWaiters = [];
        for (const w of waiters) w();
        return;
      }
      if (path === '/health' || path === '/healthz') {
        res.writeHead(healthStatus, { 'content-type': 'application/json' });
        res.end(healthBody);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });

  const port = await withPortRetry(async () => {
    const p = await freePort();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  });

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hostPort: `127.0.0.1:${port}`,
    set: (name, labels, value) => put(name, labels, value, 0),
    inc(name, labels = {}, by = 1) {
      const s = samples.get(key(name, labels));
      const now = Date.now();
      if (s) {
        s.base = currentValue(s, now) + by;
        s.since = now;
      } else put(name, labels, by, 0);
    },
    setRate(name, labels, perSecond) {
      const s = samples.get(key(name, labels));
      put(name, labels, s ? currentValue(s, Date.now()) : 0, perSecond);
    },
    setHistogram(name, labels, value) {
      types.set(name, { ...types.get(name), type: 'histogram' });
      for (const [n, extra, v] of histogramSeries(name, value)) put(n, { ...labels, ...extra }, v, 0);
    },
    setHistogramRate(name, labels, perSecond) {
      types.set(name, { ...types.get(name), type: 'histogram' });
      const now = Date.now();
      for (const [n, extra, rate] of histogramSeries(name, perSecond)) {
        const all = { ...labels, ...extra };
        const s = samples.get(key(n, all));
        put(n, all, s ? currentValue(s, now) : 0, rate);
      }
    },
    setType(name, type, help) {
      types.set(name, help === undefined ? { type } : { type, help });
    },
    remove(name, labels) {
      for (const [k, s] of samples) {
        if (familyOf(s.name) !== name && s.name !== name) continue;
        if (labels) {
          const own = Object.fromEntries(Object.entries(s.labels).filter(([l]) => l !== 'le'));
          if (labelKey(own) !== labelKey(labels)) continue;
        }
        samples.delete(k);
      }
    },
    setRaw(text) {
      raw = text;
    },
    clear() {
      samples.clear();
      raw = '';
    },
    setMetricsStatus(code) {
      metricsStatus = code;
    },
    setHealthStatus(code, body) {
      healthStatus = code;
      healthBody = body ?? (code < 400 ? '{"status":"ok"}' : '{"status":"error"}');
    },
    setDelay(ms) {
      delayMs = ms;
    },
    render,
    get scrapes() {
      return scrapes;
    },
    nextScrape(timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no scrape within ${timeoutMs} ms`)), timeoutMs);
        scrapeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Shapes of the Laojun metrics, each breaking (or not) one of the manual's alert rules. */
export type LaojunScenario =
  | 'healthy'
  | 'highErrorRate'
  | 'highResponseTime'
  | 'databaseConnectionHigh'
  | 'diskSpaceHigh';

/**
 * Example: sets the Laojun manual's metrics on `server` (replacing any earlier values of them).
 * `healthy` breaks no rule; each other scenario breaks exactly the rule it is named after:
 * - highErrorRate: `http_requests_total{status="500"}` grows 2/s (rule: rate > 0.1)
 * - highResponseTime: every request takes 1–2.5 s (p95 ≈ 2.4 s > 1)
 * - databaseConnectionHigh: 90 of 100 connections (> 0.8)
 * - diskSpaceHigh: 5 GB free of 100 GB (95 % used > 0.85)
 * (ServiceDown is broken by making `/metrics` fail: `setMetricsStatus(500)` or `close()`.)
 */
export function setLaojunMetrics(server: MetricsServer, scenario: LaojunScenario = 'healthy'): void {
  server.setType('http_requests_total', 'counter', 'HTTP requests by status and method');
  server.setRate('http_requests_total', { status: '200', method: 'GET' }, 20);
  server.setRate('http_requests_total', { status: '200', method: 'POST' }, 5);
  server.setRate(
    'http_requests_total',
    { status: '500', method: 'GET' },
    scenario === 'highErrorRate' ? 2 : 0,
  );

  server.setType('http_request_duration_seconds', 'histogram', 'HTTP request latency');
  const slow = scenario === 'highResponseTime';
  server.setHistogramRate(
    'http_request_duration_seconds',
    {},
    {
      // cumulative requests per second below each bound
      buckets: slow
        ? [
            [0.1, 0],
            [0.5, 0],
            [1, 0],
            [2.5, 25],
            [5, 25],
          ]
        : [
            [0.1, 20],
            [0.5, 24],
            [1, 25],
            [2.5, 25],
            [5, 25],
          ],
      sum: slow ? 40 : 2.5,
      count: 25,
    },
  );

  server.set('db_connections_active', {}, scenario === 'databaseConnectionHigh' ? 90 : 10);
  server.set('db_connections_max', {}, 100);
  server.set('disk_free_bytes', { mountpoint: '/' }, scenario === 'diskSpaceHigh' ? 5e9 : 60e9);
  server.set('disk_total_bytes', { mountpoint: '/' }, 100e9);
}
