/**
 * Smoke tests of the real-service test helpers: shared PostgreSQL schemas, throwaway clusters, Redis,
 * the fake metrics server, Prometheus + Alertmanager with the Laojun alert rules, and process cleanup.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir } from '../helpers/cleanup.ts';
import { schemaExists, testDatabaseUrl, uniqueName, withSchema } from '../helpers/db.ts';
import { setLaojunMetrics, startMetricsServer } from '../helpers/metrics-server.ts';
import { startPgCluster } from '../helpers/pg-cluster.ts';
import { canConnect, freePort } from '../helpers/ports.ts';
import {
  checkRules,
  LAOJUN_ALERT_RULES,
  type PromSample,
  startAlertmanager,
  startPrometheus,
} from '../helpers/prometheus.ts';
import { cleanupPrefix, startRedisServer, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type ReceivedRequest, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

async function queryOne<T>(url: string, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query(sql, params);
    return res.rows[0] as T | undefined;
  } finally {
    await client.end();
  }
}

describe('ports and names', () => {
  it('freePort returns a bindable port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
    expect(await canConnect(port)).toBe(false);
  });

  it('uniqueName is a valid lowercase schema name with the pid in it', () => {
    const a = uniqueName('Laojun-Test');
    const b = uniqueName('Laojun-Test');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
    expect(a).toContain(`_${process.pid}_`);
    expect(uniqueName('9'.repeat(100))).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });
});

describe('shared PostgreSQL (withSchema)', () => {
  it('creates a fresh schema, puts unqualified tables in it, and drops it', async () => {
    const db = await withSchema();
    expect(db.url).toBe(testDatabaseUrl());
    expect(await schemaExists(db.schema)).toBe(true);
    await db.pool.query('CREATE TABLE things (id int primary key)');
    await db.pool.query('INSERT INTO things VALUES (1)');
    const row = await queryOne<{ n: string }>(db.url, `SELECT count(*) AS n FROM "${db.schema}".things`);
    expect(row?.n).toBe('1');
    await db.drop();
    await db.drop(); // idempotent
    expect(await schemaExists(db.schema)).toBe(false);
  });
});

describe('throwaway PostgreSQL cluster', () => {
  it('runs with pg_stat_statements, restarts, and is removed on stop', async () => {
    const cluster = await startPgCluster({ settings: { log_lock_waits: 'on' } });
    onTestFinished(() => cluster.stop());
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/laojun`);

    await queryOne(cluster.url, 'SELECT pg_sleep(0.05), $1::text AS marker', ['helpers-smoke']);
    const stat = await queryOne<{ calls: string; total: number }>(
      cluster.url,
      "SELECT calls, total_exec_time AS total FROM pg_stat_statements WHERE query LIKE 'SELECT pg_sleep(%'",
    );
    expect(Number(stat?.calls)).toBeGreaterThanOrEqual(1);
    expect(stat?.total).toBeGreaterThan(40);
    const track = await queryOne<{ v: string }>(
      cluster.url,
      "SELECT current_setting('pg_stat_statements.track') AS v",
    );
    expect(track?.v).toBe('all');

    const before = await queryOne<{ t: Date }>(cluster.url, 'SELECT pg_postmaster_start_time() AS t');
    await cluster.restart({ downtimeMs: 100 });
    const after = await queryOne<{ t: Date }>(cluster.url, 'SELECT pg_postmaster_start_time() AS t');
    expect(after?.t.getTime()).toBeGreaterThan(before?.t.getTime() ?? 0);

    await cluster.stop();
    expect(existsSync(cluster.dataDir)).toBe(false);
    expect(await canConnect(cluster.port)).toBe(false);
  });
});

describe('Redis', () => {
  it('cleanupPrefix deletes only the prefixed keys of the shared server', async () => {
    const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    onTestFinished(() => {
      redis.disconnect();
    });
    const prefix = uniquePrefix();
    const other = uniquePrefix();
    expect(prefix).not.toContain(':');
    await redis.mset(`${prefix}:a`, '1', `${prefix}:b`, '2', `${other}:c`, '3');
    expect(await cleanupPrefix(redis, prefix)).toBe(2);
    expect(await redis.exists(`${prefix}:a`, `${prefix}:b`)).toBe(0);
    expect(await redis.get(`${other}:c`)).toBe('3');
    await cleanupPrefix(redis, other);
  });

  it('a private redis-server can be restarted (empty afterwards) and stopped', async () => {
    const server = await startRedisServer();
    onTestFinished(() => server.stop());
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    redis.on('error', () => {}); // connection refused while the server is down
    onTestFinished(() => {
      redis.disconnect();
    });
    await redis.set('k', 'v');
    await server.restart({ downtimeMs: 200, crash: true });
    expect(await redis.get('k')).toBeNull();
    await redis.set('k', 'w');
    expect(await redis.get('k')).toBe('w');
    await server.stop();
    expect(await canConnect(server.port)).toBe(false);
  });
});

describe('metrics server', () => {
  it('serves exposition text, health and configurable failures', async () => {
    const m = await startMetricsServer();
    onTestFinished(() => m.close());
    setLaojunMetrics(m);
    m.set('custom_value', { a: 'x"y' }, 3);
    m.setRaw('raw_metric 7');
    const text = await (await fetch(`${m.url}/metrics`)).text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(/^http_requests_total\{status="200",method="GET"\} [\d.]+$/m);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="\+Inf"\} /m);
    expect(text).toContain('db_connections_max 100');
    expect(text).toContain('custom_value{a="x\\"y"} 3');
    expect(text).toContain('raw_metric 7\n');
    expect(m.scrapes).toBe(1);

    expect((await fetch(`${m.url}/health`)).status).toBe(200);
    m.setHealthStatus(503);
    expect((await fetch(`${m.url}/health`)).status).toBe(503);
    m.setMetricsStatus(500);
    expect((await fetch(`${m.url}/metrics`)).status).toBe(500);
  });
});

describe('Prometheus + Alertmanager', () => {
  it('the Laojun rules pass promtool', async () => {
    const result = await checkRules(LAOJUN_ALERT_RULES());
    expect(result.output).toContain('SUCCESS: 5 rules found');
    expect(result.ok).toBe(true);
    expect((await checkRules(LAOJUN_ALERT_RULES('5m', '5m'))).ok).toBe(true);
  });

  it('scrapes targets, fires the Laojun rules, and Alertmanager posts ServiceDown to the webhook', async () => {
    const receiver = await startWebhookReceiver();
    onTestFinished(() => receiver.close());
    const api = await startMetricsServer();
    onTestFinished(() => api.close());
    setLaojunMetrics(api);
    const scenarios = [
      'highErrorRate',
      'highResponseTime',
      'databaseConnectionHigh',
      'diskSpaceHigh',
    ] as const;
    const degraded = await Promise.all(
      scenarios.map(async (scenario) => {
        const server = await startMetricsServer();
        onTestFinished(() => server.close());
        setLaojunMetrics(server, scenario);
        return { scenario, server };
      }),
    );

    const am = await startAlertmanager({ webhookUrl: `${receiver.url}/alerts`, bearerToken: 'test-token' });
    onTestFinished(() => am.stop());
    const prom = await startPrometheus({
      scrapeTargets: [
        { job: 'laojun-api', hostPort: api.hostPort },
        ...degraded.map((d) => ({ job: `laojun-${d.scenario.toLowerCase()}`, hostPort: d.server.hostPort })),
      ],
      rules: LAOJUN_ALERT_RULES('0s', '5s'),
      alertmanagerUrl: am.url,
    });
    onTestFinished(() => prom.stop());

    const up = await prom.waitFor('up{job="laojun-api"}', (s) => s[0]?.value === 1);
    expect(up[0]?.metric.instance).toBe(api.hostPort);

    // Each degraded service fires exactly its rule; the healthy one fires none.
    const expected = [
      ['HighErrorRate', 'laojun-higherrorrate'],
      ['HighResponseTime', 'laojun-highresponsetime'],
      ['DatabaseConnectionHigh', 'laojun-databaseconnectionhigh'],
      ['DiskSpaceHigh', 'laojun-diskspacehigh'],
    ];
    const firing = (s: PromSample[]) =>
      expected.every(([name, job]) => s.some((x) => x.metric.alertname === name && x.metric.job === job));
    const alerts = await prom.waitFor('ALERTS{alertstate="firing"}', firing, 30_000);
    expect(alerts.filter((a) => a.metric.job === 'laojun-api')).toEqual([]);
    expect(alerts).toHaveLength(4);

    // Break ServiceDown: /metrics answers 500, so up == 0.
    api.setMetricsStatus(500);
    const isServiceDown = (status: string) => (r: ReceivedRequest) => {
      const body = r.json as
        | { status?: string; alerts?: Array<{ labels: Record<string, string> }> }
        | undefined;
      return body?.status === status && body.alerts?.[0]?.labels.alertname === 'ServiceDown';
    };
    const fired = await receiver.waitFor(isServiceDown('firing'), 20_000);
    const payload = fired.json as {
      version: string;
      groupKey: string;
      receiver: string;
      alerts: Array<{
        labels: Record<string, string>;
        annotations: Record<string, string>;
        fingerprint: string;
      }>;
    };
    expect(fired.method).toBe('POST');
    expect(fired.path).toBe('/alerts');
    expect(fired.headers.authorization).toBe('Bearer test-token');
    expect(payload.version).toBe('4');
    expect(payload.groupKey).toBe('{}:{alertname="ServiceDown"}');
    // Alertmanager regexp-quotes the receiver name: `web\.hook` (0.25) or `web.hook`.
    expect(payload.receiver).toMatch(/^web\\?\.hook$/);
    expect(payload.alerts[0]?.labels).toMatchObject({
      alertname: 'ServiceDown',
      job: 'laojun-api',
      severity: 'critical',
    });
    expect(payload.alerts[0]?.annotations.summary).toBe('服务 laojun-api 已停止');
    expect(payload.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    // Recovery: send_resolved delivers the resolution to the same group.
    api.setMetricsStatus(200);
    const resolved = await receiver.waitFor(isServiceDown('resolved'), 20_000);
    expect((resolved.json as { groupKey: string }).groupKey).toBe(payload.groupKey);
  }, 60_000);
});

describe('cleanup', () => {
  const child = fileURLToPath(new URL('../helpers/redis.ts', import.meta.url));
  const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
  const scriptDir = makeTempDir('cleanup-test');
  afterAll(() => scriptDir.remove());

  async function runChild(mode: 'exit' | 'sigkill'): Promise<void> {
    const script = `${scriptDir.path}/child-${mode}.mts`;
    writeFileSync(
      script,
      `import { startRedisServer } from ${JSON.stringify(child)};
const s = await startRedisServer();
console.log(JSON.stringify({ port: s.port }));
${mode === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}
`,
    );
    const proc = spawn(process.execPath, ['--import', tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
      proc.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect(await canConnect(port)).toBe(true);
    if (mode === 'sigkill') proc.kill('SIGKILL');
    await waitUntil(async () => !(await canConnect(port)), {
      timeoutMs: 5_000,
      message: 'redis-server to be killed',
    });
  }

  it('kills what a test process started when it exits', async () => {
    await runChild('exit');
  });

  it('kills what a test process started when it is SIGKILLed (watchdog)', async () => {
    await runChild('sigkill');
  });
});
