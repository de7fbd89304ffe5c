import type { ServiceConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import type { Tone } from '../report/report.ts';
import { httpHealth } from '../sources/http-health.ts';
import { type ProbeResult, probe } from '../sources/probe.ts';
import type { InstantSample } from '../sources/prometheus.ts';
import { type Check, fig, fromProbe, promRegexEscape } from './checks.ts';
import { formatMs, formatPct, oneLine } from './text.ts';

type ByJob = Map<string, InstantSample[]>;

/** Prometheus figures for a set of jobs, one query per figure (each its own probe and timeout). */
export interface HttpFigures {
  up: ProbeResult<ByJob>;
  rps: ProbeResult<ByJob>;
  /** The 5xx ratio, computed by Prometheus in one query (see `httpQueries`). */
  errors: ProbeResult<ByJob>;
  p95: ProbeResult<ByJob>;
  /** Detail view only. */
  p50?: ProbeResult<ByJob>;
  p99?: ProbeResult<ByJob>;
  byStatus?: ProbeResult<ByJob>;
}

function groupByJob(samples: InstantSample[]): ByJob {
  const out: ByJob = new Map();
  for (const s of samples) {
    const job = s.labels.job ?? '';
    out.set(job, [...(out.get(job) ?? []), s]);
  }
  return out;
}

/** The PromQL of /status, shown in docs and used by tests. */
export function httpQueries(jobs: string[], window: string) {
  const sel = `job=~"${jobs.map(promRegexEscape).join('|')}"`;
  const requests = `sum by (job) (rate(http_requests_total{${sel}}[${window}]))`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (job, le) (rate(http_request_duration_seconds_bucket{${sel}}[${window}])))`;
  return {
    up: `up{${sel}}`,
    rps: requests,
    // One expression, so numerator and denominator come from the same samples: two separate queries
    // can each see a different latest scrape and give a ratio that matches neither. A job without any
    // 5xx series has ratio 0, not "no data".
    errors: `(sum by (job) (rate(http_requests_total{${sel},status=~"5.."}[${window}])) or ${requests} * 0) / ${requests}`,
    p95: quantile(0.95),
    p50: quantile(0.5),
    p99: quantile(0.99),
    byStatus: `sum by (job, status) (rate(http_requests_total{${sel}}[${window}]))`,
  };
}

export async function httpFigures(deps: Deps, jobs: string[], detail: boolean): Promise<HttpFigures> {
  const prometheus = deps.sources.prometheus;
  const timeoutMs = deps.config.file.probes.timeoutMs;
  const q = httpQueries(jobs, deps.config.file.diagnostics.rateWindow);
  // Every figure is evaluated at the same instant.
  const time = new Date();
  const run = (expr: string): Promise<ProbeResult<ByJob>> =>
    prometheus
      ? probe(timeoutMs, async () => groupByJob(await prometheus.query(expr, { time, timeoutMs })))
      : Promise.resolve({ ok: false, reason: deps.t('status.prometheusNotConfigured'), ms: 0 });
  const [up, rps, errors, p95, p50, p99, byStatus] = await Promise.all([
    run(q.up),
    run(q.rps),
    run(q.errors),
    run(q.p95),
    detail ? run(q.p50) : undefined,
    detail ? run(q.p99) : undefined,
    detail ? run(q.byStatus) : undefined,
  ]);
  return { up, rps, errors, p95, p50, p99, byStatus };
}

const finite = (samples: InstantSample[] | undefined) =>
  (samples ?? []).map((s) => s.value).filter((v) => Number.isFinite(v));

function latencyCheck(
  deps: Deps,
  id: string,
  result: ProbeResult<ByJob> | undefined,
  job: string,
  brief: boolean,
): Check | undefined {
  if (!result) return undefined;
  const { t } = deps;
  return fromProbe(
    id,
    t(`diagnostics.status.${id}`),
    result,
    (m) => {
      const v = finite(m.get(job))[0];
      if (v === undefined) return { tone: 'unknown', value: t('diagnostics.status.noData') };
      return {
        tone: v > 1 ? 'warn' : 'ok',
        value: formatMs(v * 1000),
        figures: { [id]: fig(v * 1000, 'ms') },
      };
    },
    brief,
  );
}

/** The checks of one HTTP service: Prometheus figures plus its `/health` probe. */
export async function httpChecks(
  deps: Deps,
  service: ServiceConfig,
  figures: HttpFigures,
  detail: boolean,
): Promise<Check[]> {
  const { t } = deps;
  const job = service.job ?? service.name;
  const checks: Check[] = [];
  checks.push(
    fromProbe('up', t('diagnostics.status.up'), figures.up, (m) => {
      const values = (m.get(job) ?? []).map((s) => s.value);
      if (values.length === 0) return { tone: 'unknown', value: t('status.noTargets', { job }) };
      const healthy = values.filter((v) => v === 1).length;
      const tone: Tone = healthy === values.length ? 'ok' : healthy === 0 ? 'error' : 'warn';
      const down = (m.get(job) ?? []).filter((s) => s.value !== 1).map((s) => s.labels.instance ?? '?');
      const list =
        detail && down.length > 0
          ? t('common.parenthesised', {
              text: t('common.labelled', {
                label: t('diagnostics.status.downInstances'),
                value: down.join(', '),
              }),
            })
          : '';
      return {
        tone,
        value: `${healthy}/${values.length}${list}`,
        figures: { up: fig(healthy, 'count'), targets: fig(values.length, 'count') },
      };
    }),
  );
  checks.push(
    fromProbe('rps', t('diagnostics.status.rps'), figures.rps, (m) => {
      const v = finite(m.get(job))[0];
      if (v === undefined) return { tone: 'unknown', value: t('diagnostics.status.noData') };
      return { tone: 'ok', value: `${v.toFixed(v >= 10 ? 0 : 2)} req/s`, figures: { rate: fig(v, 'req/s') } };
    }),
  );
  // The real ratio of 5xx responses. (The manual's HighErrorRate compares the absolute 5xx rate with
  // 0.1 while its text says "10 %": at 25 req/s, 0.1 req/s of errors is 0.4 %.)
  const ratio = (() => {
    if (!figures.errors.ok) return figures.errors;
    if (!figures.rps.ok) return figures.rps;
    const total = finite(figures.rps.value.get(job))[0];
    // NaN (0/0) when there was no traffic in the window.
    const r = figures.errors.value.get(job)?.[0]?.value;
    return { ...figures.errors, value: { total, r } };
  })();
  checks.push(
    fromProbe('errors', t('diagnostics.status.errors'), ratio, ({ total, r }) => {
      if (total === undefined) return { tone: 'unknown', value: t('diagnostics.status.noData') };
      if (total === 0) return { tone: 'ok', value: t('diagnostics.status.noTraffic') };
      if (r === undefined || !Number.isFinite(r)) {
        return { tone: 'unknown', value: t('diagnostics.status.noData') };
      }
      const errs = r * total;
      return {
        tone: r >= 0.1 ? 'error' : r >= 0.01 ? 'warn' : 'ok',
        value: `${formatPct(r)} (${errs.toFixed(2)}/${total.toFixed(2)} req/s)`,
        figures: { errorRatio: fig(r, 'ratio'), errorRate: fig(errs, 'req/s'), rate: fig(total, 'req/s') },
      };
    }),
  );
  for (const c of [
    latencyCheck(deps, 'p50', figures.p50, job, false),
    latencyCheck(deps, 'p95', figures.p95, job, true),
    latencyCheck(deps, 'p99', figures.p99, job, false),
  ]) {
    if (c) checks.push(c);
  }
  if (figures.byStatus?.ok) {
    const byClass = new Map<string, number>();
    for (const s of figures.byStatus.value.get(job) ?? []) {
      const cls = `${(s.labels.status ?? '?').charAt(0)}xx`;
      if (Number.isFinite(s.value)) byClass.set(cls, (byClass.get(cls) ?? 0) + s.value);
    }
    const parts = [...byClass.entries()].sort().map(([c, v]) => `${c} ${v.toFixed(2)}/s`);
    checks.push({
      id: 'byStatus',
      label: t('diagnostics.status.byStatus'),
      tone: 'info',
      value: parts.join(', ') || t('diagnostics.status.noData'),
    });
  }
  checks.push(await healthCheck(deps, service, detail));
  return checks;
}

export async function healthCheck(deps: Deps, service: ServiceConfig, detail: boolean): Promise<Check> {
  const { t } = deps;
  const label = t('diagnostics.status.health');
  if (!service.healthUrl) {
    return { id: 'health', label, tone: 'info', value: t('diagnostics.status.noHealthUrl'), brief: false };
  }
  const url = service.healthUrl;
  const r = await probe(deps.config.file.probes.timeoutMs, (signal) => httpHealth(deps.fetch, url, signal));
  return fromProbe('health', label, r, (h, ms) => {
    const body = detail && h.body ? ` ${oneLine(h.body, deps.redact, 120)}` : '';
    return {
      tone: h.ok ? 'ok' : 'error',
      value: `HTTP ${h.status}, ${ms} ms${body}`,
      figures: { httpStatus: fig(h.status), latency: fig(ms, 'ms') },
    };
  });
}
