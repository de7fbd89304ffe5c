/**
 * Real Prometheus and Alertmanager processes for end-to-end alert tests, each with a temp config and
 * data dir on a free port, plus the Laojun manual's alert rules.
 *
 * Debian 12 ships prometheus 2.42 (`prometheus`, `promtool`) and alertmanager 0.25
 * (`prometheus-alertmanager`, `amtool`); override with $PROMETHEUS_BIN / $ALERTMANAGER_BIN /
 * $PROMTOOL_BIN.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { makeTempDir } from './cleanup.ts';
import { freePort } from './ports.ts';
import {
  findExecutable,
  httpOk,
  type ManagedProcess,
  spawnManaged,
  waitForProcessReady,
  withPortRetry,
} from './process.ts';
import { sleep } from './wait.ts';

const execFileAsync = promisify(execFile);

function requireExecutable(envName: string, candidates: string[], hint: string): string {
  const fromEnv = process.env[envName];
  const found = findExecutable(fromEnv ? [fromEnv] : candidates);
  if (!found) throw new Error(`${candidates.join(' / ')} not found (${hint}; or set $${envName})`);
  return found;
}

/**
 * The Laojun manual's alert rules (运维手册 告警规则, group `laojun-system`) with `for:` and the `rate()`
 * windows as parameters, so tests can see them fire within seconds. The manual's values are
 * `LAOJUN_ALERT_RULES('5m', '5m')` (ServiceDown: `for: 1m`, taken as `forDuration` here too).
 */
export function LAOJUN_ALERT_RULES(forDuration = '0s', window = '5s'): string {
  return `# alerts.yml (Laojun manual) with for: ${forDuration}, rate window ${window}
groups:
- name: laojun-system
  rules:
  - alert: ServiceDown
    expr: up{job=~"laojun-.*"} == 0
    for: ${forDuration}
    labels:
      severity: critical
    annotations:
      summary: "服务 {{ $labels.job }} 已停止"
      description: "服务 {{ $labels.job }} 在实例 {{ $labels.instance }} 上已停止超过1分钟"

  - alert: HighErrorRate
    expr: rate(http_requests_total{status=~"5.."}[${window}]) > 0.1
    for: ${forDuration}
    labels:
      severity: warning
    annotations:
      summary: "高错误率告警"
      description: "服务 {{ $labels.job }} 错误率超过10%"

  - alert: HighResponseTime
    expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[${window}])) > 1
    for: ${forDuration}
    labels:
      severity: warning
    annotations:
      summary: "响应时间过长"
      description: "服务 {{ $labels.job }} 95%响应时间超过1秒"

  - alert: DatabaseConnectionHigh
    expr: db_connections_active / db_connections_max > 0.8
    for: ${forDuration}
    labels:
      severity: warning
    annotations:
      summary: "数据库连接数过高"
      description: "数据库连接使用率超过80%"

  - alert: DiskSpaceHigh
    expr: (1 - disk_free_bytes / disk_total_bytes) > 0.85
    for: ${forDuration}
    labels:
      severity: critical
    annotations:
      summary: "磁盘空间不足"
      description: "磁盘使用率超过85%"
`;
}

/** `promtool check rules` on a rules YAML string. */
export async function checkRules(rulesYaml: string): Promise<{ ok: boolean; output: string }> {
  const promtool = requireExecutable('PROMTOOL_BIN', ['promtool'], 'apt-get install prometheus');
  const tmp = makeTempDir('promtool');
  try {
    const file = join(tmp.path, 'rules.yml');
    writeFileSync(file, rulesYaml);
    try {
      const { stdout, stderr } = await execFileAsync(promtool, ['check', 'rules', file]);
      return { ok: true, output: stdout + stderr };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
    }
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------------------------------
// Prometheus

export interface ScrapeTarget {
  /** Job label; the manual's ServiceDown rule only matches jobs named `laojun-*`. */
  job: string;
  /** `host:port`, e.g. `metricsServer.hostPort`. */
  hostPort: string;
  metricsPath?: string;
  /** Extra target labels. */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  scrapeTargets: ScrapeTarget[];
  /** Rules file content (YAML), e.g. `LAOJUN_ALERT_RULES()`. */
  rules?: string;
  /** Alertmanager base URL, e.g. `am.url`. */
  alertmanagerUrl?: string;
  /** Default `1s` (the scrape timeout is set equal). */
  scrapeInterval?: string;
  /** Default `1s`. */
  evaluationInterval?: string;
  /** How often firing alerts are re-sent to Alertmanager (`--rules.alert.resend-delay`). Default `1s`. */
  resendDelay?: string;
  extraArgs?: string[];
  /**
   * OpenMetrics text (ending in `# EOF`) turned into TSDB blocks with
   * `promtool tsdb create-blocks-from openmetrics` before Prometheus starts: history to query.
   */
  backfillOpenMetrics?: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value?: string;
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface PrometheusInstance {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  configPath: string;
  rulesPath: string;
  /** Instant query; vector (or scalar, as one sample without labels) results. */
  query(expr: string): Promise<PromSample[]>;
  /**
   * Polls `query(expr)` until `predicate` accepts the samples (default: non-empty), returns them.
   * On timeout the error shows the last result and the scrape targets' health.
   */
  waitFor(
    expr: string,
    predicate?: (samples: PromSample[]) => boolean,
    timeoutMs?: number,
  ): Promise<PromSample[]>;
  /** Active alerts (`/api/v1/alerts`): pending and firing. */
  alerts(): Promise<PromAlert[]>;
  targets(): Promise<PromTarget[]>;
  /** Replaces the rules file and reloads the configuration. */
  setRules(rulesYaml: string): Promise<void>;
  /** POST /-/reload. */
  reload(): Promise<void>;
  logs(): string;
  /** Stops the process and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as ApiResponse<T>;
  if (body.status !== 'success')
    throw new Error(`${url}: ${body.errorType ?? res.status} ${body.error ?? ''}`);
  return body.data;
}

function alertmanagerTarget(url: string): { scheme: string; target: string; pathPrefix: string } {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return {
    scheme: u.protocol.replace(':', ''),
    target: `${u.hostname}:${port}`,
    pathPrefix: u.pathname.replace(/\/$/, ''),
  };
}

/** Writes OpenMetrics text to a file and turns it into TSDB blocks in `dataDir`. */
async function backfill(openMetrics: string, workDir: string, dataDir: string): Promise<void> {
  const promtool = requireExecutable('PROMTOOL_BIN', ['promtool'], 'apt-get install prometheus');
  const file = join(workDir, 'backfill.om');
  writeFileSync(file, openMetrics.endsWith('# EOF\n') ? openMetrics : `${openMetrics.trimEnd()}\n# EOF\n`);
  try {
    await execFileAsync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool backfill failed: ${e.stderr || e.stdout || e.message}`);
  }
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusInstance> {
  const bin = requireExecutable('PROMETHEUS_BIN', ['prometheus'], 'apt-get install prometheus');
  const scrapeInterval = opts.scrapeInterval ?? '1s';
  const evaluationInterval = opts.evaluationInterval ?? '1s';
  const tmp = makeTempDir('prometheus');
  const configPath = join(tmp.path, 'prometheus.yml');
  const rulesPath = join(tmp.path, 'rules.yml');
  writeFileSync(rulesPath, opts.rules ?? 'groups: []\n');

  const config: Record<string, unknown> = {
    global: {
      scrape_interval: scrapeInterval,
      scrape_timeout: scrapeInterval,
      evaluation_interval: evaluationInterval,
    },
    rule_files: [rulesPath],
    scrape_configs: opts.scrapeTargets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      static_configs: [{ targets: [t.hostPort], ...(t.labels ? { labels: t.labels } : {}) }],
    })),
  };
  if (opts.alertmanagerUrl) {
    const am = alertmanagerTarget(opts.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [
        {
          scheme: am.scheme,
          ...(am.pathPrefix ? { path_prefix: am.pathPrefix } : {}),
          timeout: '2s',
          static_configs: [{ targets: [am.target] }],
        },
      ],
    };
  }
  writeFileSync(configPath, stringify(config));
  if (opts.backfillOpenMetrics !== undefined) {
    try {
      await backfill(opts.backfillOpenMetrics, tmp.path, join(tmp.path, 'data'));
    } catch (err) {
      tmp.remove();
      throw err;
    }
  }

  let proc: ManagedProcess | undefined;
  let port = 0;
  try {
    await withPortRetry(async () => {
      port = await freePort();
      const p = spawnManaged(
        `prometheus:${port}`,
        bin,
        [
          `--config.file=${configPath}`,
          `--storage.tsdb.path=${join(tmp.path, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--web.external-url=http://127.0.0.1:${port}`,
          '--web.enable-lifecycle',
          `--rules.alert.resend-delay=${opts.resendDelay ?? '1s'}`,
          '--log.level=warn',
          ...(opts.extraArgs ?? []),
        ],
        { cwd: tmp.path },
      );
      await waitForProcessReady(p, () => httpOk(`http://127.0.0.1:${port}/-/ready`), 30_000);
      proc = p;
    });
  } catch (err) {
    tmp.remove();
    throw err;
  }
  const running = proc as ManagedProcess;
  const url = `http://127.0.0.1:${port}`;

  const query = async (expr: string): Promise<PromSample[]> => {
    const data = await getJson<{ resultType: string; result: unknown }>(
      `${url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (data.resultType === 'scalar') {
      const [ts, v] = data.result as [number, string];
      return [{ metric: {}, value: Number(v), timestamp: ts }];
    }
    if (data.resultType !== 'vector')
      throw new Error(`query ${expr}: unsupported result type ${data.resultType}`);
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
      timestamp: r.value[0],
    }));
  };
  const targets = async (): Promise<PromTarget[]> =>
    (await getJson<{ activeTargets: PromTarget[] }>(`${url}/api/v1/targets`)).activeTargets;
  const reload = async () => {
    const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`prometheus reload failed: ${res.status} ${text}`);
  };

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    configPath,
    rulesPath,
    query,
    targets,
    async waitFor(expr, predicate = (s) => s.length > 0, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: PromSample[] | string = [];
      for (;;) {
        try {
          last = await query(expr);
          if (predicate(last)) return last;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline) {
          const health = await targets()
            .then((ts) =>
              ts.map((t) => `${t.labels.job} ${t.scrapeUrl} ${t.health} ${t.lastError}`).join('; '),
            )
            .catch(() => '?');
          throw new Error(
            `prometheus: ${expr} did not satisfy the predicate within ${timeoutMs} ms; last: ${JSON.stringify(last)}; targets: ${health}`,
          );
        }
        await sleep(200);
      }
    },
    async alerts() {
      return (await getJson<{ alerts: PromAlert[] }>(`${url}/api/v1/alerts`)).alerts;
    },
    async setRules(rulesYaml) {
      writeFileSync(rulesPath, rulesYaml);
      await reload();
    },
    reload,
    logs: () => running.logs(),
    stop() {
      stopped ??= (async () => {
        await running.stop();
        tmp.remove();
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Alertmanager

export interface AlertmanagerOptions {
  /** Where the `web.hook` receiver posts, e.g. the bot's `/alerts` endpoint. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (`http_config.authorization.credentials`). */
  bearerToken?: string;
  /** Default `1s` (the manual: 10s). */
  groupWait?: string;
  /** Default `1s` (the manual: 10s). */
  groupInterval?: string;
  /** Default `1h` (as in the manual). */
  repeatInterval?: string;
  /** Default `['alertname']` (as in the manual). */
  groupBy?: string[];
  /** `max_alerts` of the webhook (0 = no limit). */
  maxAlerts?: number;
  /** Default true. */
  sendResolved?: boolean;
  /**
   * Receivers notified besides `web.hook` (e.g. one with `slack_configs`). The route then has one
   * child route per receiver, `web.hook` first, each with `continue: true`: every receiver gets every
   * group with the same grouping and timings (each child route keeps its own aggregation groups).
   */
  extraReceivers?: Array<{ name: string } & Record<string, unknown>>;
  extraArgs?: string[];
}

/** An alert as posted to `/api/v2/alerts`. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerInstance {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  configPath: string;
  /** The generated alertmanager.yml. */
  config: string;
  /** POST /api/v2/alerts (what Prometheus does), to drive Alertmanager without Prometheus. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** GET /api/v2/alerts. */
  getAlerts(): Promise<Array<PostableAlert & { fingerprint: string; status: { state: string } }>>;
  /** GET /api/v2/silences. */
  getSilences(): Promise<
    Array<{ id: string; status: { state: string }; matchers: unknown[]; comment: string }>
  >;
  logs(): string;
  /** Stops the process and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The manual's alertmanager.yml (route + `web.hook` receiver) with test timings, plus
 * `extraReceivers` on child routes.
 */
export function alertmanagerConfig(opts: AlertmanagerOptions): string {
  const webhook: Record<string, unknown> = { url: opts.webhookUrl, send_resolved: opts.sendResolved ?? true };
  if (opts.maxAlerts !== undefined) webhook.max_alerts = opts.maxAlerts;
  if (opts.bearerToken !== undefined) {
    webhook.http_config = { authorization: { type: 'Bearer', credentials: opts.bearerToken } };
  }
  const extra = opts.extraReceivers ?? [];
  const route: Record<string, unknown> = {
    group_by: opts.groupBy ?? ['alertname'],
    group_wait: opts.groupWait ?? '1s',
    group_interval: opts.groupInterval ?? '1s',
    repeat_interval: opts.repeatInterval ?? '1h',
    receiver: 'web.hook',
  };
  if (extra.length > 0) {
    route.routes = ['web.hook', ...extra.map((r) => r.name)].map((receiver) => ({
      receiver,
      continue: true,
    }));
  }
  return stringify({
    route,
    receivers: [{ name: 'web.hook', webhook_configs: [webhook] }, ...extra],
  });
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<AlertmanagerInstance> {
  const bin = requireExecutable(
    'ALERTMANAGER_BIN',
    ['prometheus-alertmanager', 'alertmanager'],
    'apt-get install prometheus-alertmanager',
  );
  const tmp = makeTempDir('alertmanager');
  const configPath = join(tmp.path, 'alertmanager.yml');
  const config = alertmanagerConfig(opts);
  writeFileSync(configPath, config);

  let proc: ManagedProcess | undefined;
  let port = 0;
  try {
    await withPortRetry(async () => {
      port = await freePort();
      const p = spawnManaged(
        `alertmanager:${port}`,
        bin,
        [
          `--config.file=${configPath}`,
          `--storage.path=${join(tmp.path, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--web.external-url=http://127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
          ...(opts.extraArgs ?? []),
        ],
        { cwd: tmp.path },
      );
      await waitForProcessReady(p, () => httpOk(`http://127.0.0.1:${port}/-/ready`), 30_000);
      proc = p;
    });
  } catch (err) {
    tmp.remove();
    throw err;
  }
  const running = proc as ManagedProcess;
  const url = `http://127.0.0.1:${port}`;

  const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${url}/api/v2${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`alertmanager ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    configPath,
    config,
    async postAlerts(alerts) {
      await api<unknown>('/alerts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
    },
    getAlerts: () => api('/alerts'),
    getSilences: () => api('/silences'),
    logs: () => running.logs(),
    stop() {
      stopped ??= (async () => {
        await running.stop();
        tmp.remove();
      })();
      return stopped;
    },
  };
}
