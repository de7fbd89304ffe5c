import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { createBackupMetrics } from './backup/metrics.ts';
import { createIncidentMetrics } from './incidents/metrics.ts';
import { createOncallMetrics } from './oncall/metrics.ts';
import { createPostmortemMetrics } from './postmortem/metrics.ts';

/**
 * The bot's own metrics. One registry per running bot (tests start several in one process).
 * HTTP metrics use the manual's application metric names with bounded labels.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served by the bot',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [registry],
    }),
    /** The labelled children of the three HTTP metrics, by `method route status` (observeHttp). */
    httpChildren: new Map<string, HttpChildren>(),
    httpResponseSize: new Histogram({
      name: 'http_response_size_bytes',
      help: 'HTTP response size',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [100, 1_000, 10_000, 100_000, 1_000_000],
      registers: [registry],
    }),
    commands: new Counter({
      name: 'laojun_commands_total',
      help: 'Slash commands by command and outcome (queued, denied, bad_args, queue_unavailable, ok, failed)',
      labelNames: ['command', 'outcome'] as const,
      registers: [registry],
    }),
    commandDuration: new Histogram({
      name: 'laojun_command_duration_seconds',
      help: 'Time from slash command to answer delivered',
      labelNames: ['command'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'laojun_jobs_total',
      help: 'Jobs processed by name and outcome (completed, failed, invalid, deferred)',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'laojun_job_duration_seconds',
      help: 'Job processing time',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'laojun_slack_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, error, rate_limited, unavailable)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    slackSocketConnected: new Gauge({
      name: 'laojun_slack_socket_connected',
      help: 'Socket Mode only: 1 while the WebSocket to Slack is open, 0 while (re)connecting',
      registers: [registry],
    }),
    backup: createBackupMetrics(registry),
    incidents: createIncidentMetrics(registry),
    postmortem: createPostmortemMetrics(registry),
    oncall: createOncallMetrics(registry),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Records one HTTP request in the HTTP metrics when its response closes. The labelled children are
 * kept per label set (method × route × status is small and bounded), so a request does not hash its
 * labels three times on the acknowledgement path.
 */
export function observeHttp(
  metrics: Metrics,
  method: string,
  route: string,
  res: Pick<ServerResponse, 'once' | 'statusCode' | 'getHeader'>,
): void {
  const start = process.hrtime.bigint();
  metrics.httpInFlight.inc();
  // 'close', not 'finish': a request whose client went away (Alertmanager's timeout in a storm)
  // never finishes, and would stay in flight for ever.
  res.once('close', () => {
    metrics.httpInFlight.dec();
    const key = `${method} ${route} ${res.statusCode}`;
    let children = metrics.httpChildren.get(key);
    if (!children) {
      const labels = { method, route, status: String(res.statusCode) };
      children = {
        requests: metrics.httpRequests.labels(labels),
        duration: metrics.httpDuration.labels(labels),
        size: metrics.httpResponseSize.labels(labels),
      };
      metrics.httpChildren.set(key, children);
    }
    children.requests.inc();
    children.duration.observe(Number(process.hrtime.bigint() - start) / 1e9);
    const size = Number(res.getHeader('content-length') ?? 0);
    if (Number.isFinite(size)) children.size.observe(size);
  });
}

/** One label set's HTTP metrics (see observeHttp). */
interface HttpChildren {
  requests: { inc(): void };
  duration: { observe(v: number): void };
  size: { observe(v: number): void };
}

/** Express middleware: every request in the HTTP metrics, by route (never the raw path: unknown ones as `other`). */
export function httpMetrics(metrics: Metrics, knownRoutes: ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction) => {
    observeHttp(metrics, req.method, knownRoutes.has(req.path) ? req.path : 'other', res);
    next();
  };
}
