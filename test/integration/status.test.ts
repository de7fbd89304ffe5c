import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, closeDeps } from '../../src/app.ts';
import { runCli } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import { collectStatus, statusReport } from '../../src/diagnostics/status.ts';
import { renderText } from '../../src/report/text.ts';
import { type FakeElasticsearch, startFakeElasticsearch } from '../fakes/elasticsearch.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { testDatabaseUrl, uniqueName } from '../helpers/db.ts';
import { answerText, commandJobCount, writeConfigFile } from '../helpers/diagnostics.ts';
import { type MetricsServer, setLaojunMetrics, startMetricsServer } from '../helpers/metrics-server.ts';
import { CLOSED_PORT, freePort } from '../helpers/ports.ts';
import {
  type AlertmanagerInstance,
  type PrometheusInstance,
  startAlertmanager,
  startPrometheus,
} from '../helpers/prometheus.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

/**
 * Real Prometheus scraping metrics servers the test controls (the manual's metric names), real
 * Alertmanager, PostgreSQL and Redis; Elasticsearch is the stand-in. MinIO is not installed here: its
 * endpoint points at a closed port, which /status must show as unknown with the reason.
 */
describe('/status with real Prometheus and Alertmanager', () => {
  let gateway: MetricsServer;
  let admin: MetricsServer;
  let market: MetricsServer;
  let hanging: Server;
  let prom: PrometheusInstance;
  let am: AlertmanagerInstance;
  let es: FakeElasticsearch;
  let t: TestBot;

  beforeAll(async () => {
    [gateway, admin, market, es] = await Promise.all([
      startMetricsServer(),
      startMetricsServer(),
      startMetricsServer(),
      startFakeElasticsearch(),
    ]);
    setLaojunMetrics(gateway, 'highErrorRate'); // 2 of 27 req/s are 500s: 7.4 %, p95 475 ms
    setLaojunMetrics(admin, 'highResponseTime'); // p95 ≈ 2.4 s
    setLaojunMetrics(market, 'healthy');
    admin.setHealthStatus(503);
    es.setHealth('yellow');
    // A /health that never answers: its probe must time out on its own.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/health`;

    [prom, am] = await Promise.all([
      startPrometheus({
        scrapeTargets: [
          { job: 'laojun-gateway', hostPort: gateway.hostPort },
          { job: 'laojun-admin-api', hostPort: admin.hostPort },
          { job: 'laojun-marketplace-api', hostPort: market.hostPort },
        ],
      }),
      startAlertmanager({ webhookUrl: `http://127.0.0.1:${await freePort()}/alerts` }),
    ]);
    await am.postAlerts([
      {
        labels: {
          alertname: 'HighErrorRate',
          severity: 'warning',
          job: 'laojun-gateway',
          instance: gateway.hostPort,
        },
        annotations: { summary: '高错误率告警' },
      },
      {
        labels: { alertname: 'HighResponseTime', severity: 'warning', job: 'laojun-admin-api' },
        annotations: { summary: '响应时间过长' },
      },
    ]);
    t = await startTestBot({
      LOCALE: 'en',
      PROMETHEUS_URL: prom.url,
      ALERTMANAGER_URL: am.url,
      ELASTICSEARCH_URL: es.url,
      MINIO_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}`,
      TARGET_REDIS_URL: testRedisUrl(),
      CONFIG_FILE: writeConfigFile({
        // Generous for a busy CI machine; the hanging /health still times out on its own.
        probes: { timeoutMs: 2500 },
        diagnostics: { rateWindow: '5s' },
        services: [
          { name: 'laojun-gateway', job: 'laojun-gateway', healthUrl: `${gateway.url}/health` },
          { name: 'laojun-admin-api', job: 'laojun-admin-api', healthUrl: `${admin.url}/health` },
          { name: 'laojun-marketplace-api', job: 'laojun-marketplace-api', healthUrl: hangingUrl },
          { name: 'laojun-config-center', job: 'laojun-config-center' },
          { name: 'postgresql', kind: 'postgres' },
          { name: 'redis', kind: 'redis' },
          { name: 'minio', kind: 'minio' },
          { name: 'elasticsearch', kind: 'elasticsearch' },
        ],
      }),
    });
    // Rates need two scrapes of every target.
    await prom.waitFor(
      'sum by (job) (rate(http_requests_total[5m]))',
      (s) => s.length === 3 && s.every((x) => x.value > 0),
    );
    await prom.waitFor(
      'sum by (job) (rate(http_request_duration_seconds_bucket[5m]))',
      (s) => s.length === 3,
    );
    await eventually(async () => (await am.getAlerts()).length === 2);
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.allSettled([
      prom?.stop(),
      am?.stop(),
      gateway?.close(),
      admin?.close(),
      market?.close(),
      es?.close(),
    ]);
    await new Promise<void>((r) => (hanging ? hanging.close(() => r()) : r()));
    hanging?.closeAllConnections();
  });

  it('answers a signed /status with the 5xx ratio, p95, probes and alerts firing', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: responseUrl }),
    );
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const text = answerText(answer.body);
    expect(text).toContain('Laojun platform status');
    // The real ratio (2 of 27 req/s), not the manual's absolute rate compared with 0.1.
    expect(text).toMatch(/laojun-gateway\*\\n.*5xx ratio 7\.4%/);
    expect(text).toMatch(/laojun-gateway\*\\n.*p95 475 ms/);
    expect(text).toMatch(/laojun-admin-api\*\\n.*p95 2\.4\d s/);
    expect(text).toContain('HighErrorRate');
    expect(text).toContain('HighResponseTime');
    expect(t.slack.rejected).toEqual([]);
  });

  it('shows each probe on its own: a failing or hanging one is unknown with its reason', async () => {
    const result = await collectStatus(t.bot.deps);
    const by = (name: string) => result.services.find((s) => s.service === name);
    const check = (name: string, id: string) => by(name)?.checks.find((c) => c.id === id);

    expect(check('laojun-gateway', 'errors')).toMatchObject({
      tone: 'warn',
      value: expect.stringMatching(/^7\.4% /),
    });
    // Absolute rates depend on scrape timing on a busy machine; ratios of series scraped together do not.
    expect(Number(check('laojun-gateway', 'rps')?.value.replace(' req/s', ''))).toBeGreaterThan(0);
    expect(check('laojun-gateway', 'health')).toMatchObject({
      tone: 'ok',
      value: expect.stringMatching(/^HTTP 200/),
    });
    expect(by('laojun-gateway')?.tone).toBe('warn');

    expect(check('laojun-admin-api', 'p95')?.tone).toBe('warn');
    expect(check('laojun-admin-api', 'health')).toMatchObject({
      tone: 'error',
      value: expect.stringMatching(/^HTTP 503/),
    });
    expect(by('laojun-admin-api')?.tone).toBe('error');

    // The hanging /health times out by itself; the Prometheus figures of that service still arrive.
    expect(check('laojun-marketplace-api', 'health')).toEqual(
      expect.objectContaining({ tone: 'unknown', value: 'no answer within 2500 ms' }),
    );
    expect(check('laojun-marketplace-api', 'up')).toMatchObject({ tone: 'ok', value: '1/1' });
    expect(check('laojun-marketplace-api', 'errors')?.value).toMatch(/^0\.0% /);
    expect(by('laojun-marketplace-api')?.tone).toBe('ok');

    expect(check('laojun-config-center', 'up')).toMatchObject({
      tone: 'unknown',
      value: 'Prometheus has no target with job=laojun-config-center',
    });
    expect(check('postgresql', 'connections')?.value).toMatch(/^PostgreSQL 1\d.*\d+\/\d+ \(\d+%\)/);
    expect(check('redis', 'memory')?.value).toMatch(/^Redis \d/);
    expect(check('minio', 'live')?.tone).toBe('unknown');
    expect(check('minio', 'live')?.value).toBeTruthy();
    expect(check('elasticsearch', 'cluster')).toMatchObject({
      tone: 'warn',
      value: expect.stringMatching(/^yellow/),
    });
    expect(result.alerts?.ok && result.alerts.value.map((a) => a.name).sort()).toEqual([
      'HighErrorRate',
      'HighResponseTime',
    ]);
  });

  it('details one service: p50/p95/p99, traffic by status, its own alerts only', async () => {
    const out = renderText(await statusReport(t.bot.deps, 'laojun-gateway'));
    expect(out).toContain('laojun-gateway status');
    expect(out).toMatch(/p50\s+🟢 \d+ ms/);
    expect(out).toMatch(/p99\s+🟢 \d+ ms/);
    const byStatus = /by status\s+ℹ️ 2xx (\d+\.\d+)\/s, 5xx (\d+\.\d+)\/s/.exec(out);
    expect(byStatus).not.toBeNull();
    const [ok, failed] = [Number(byStatus?.[1]), Number(byStatus?.[2])];
    expect(failed / (ok + failed)).toBeCloseTo(2 / 27, 1);
    expect(out).toContain('HighErrorRate');
    expect(out).not.toContain('HighResponseTime');
    expect(out).toMatch(/\/health\s+🟢 HTTP 200, \d+ ms \{"status":"ok"\}/);
  });

  it('shows a target whose /metrics fails as down', async () => {
    market.setMetricsStatus(500);
    try {
      const result = await eventually(async () => {
        const r = await collectStatus(t.bot.deps, 'laojun-marketplace-api');
        return r.services[0]?.checks.find((c) => c.id === 'up')?.value.startsWith('0/1') ? r : undefined;
      }, 15_000);
      expect(result.services[0]?.tone).toBe('error');
      expect(result.services[0]?.checks[0]?.value).toBe(`0/1 (down: ${market.hostPort})`);
    } finally {
      market.setMetricsStatus(200);
    }
  });

  it('refuses an unknown service with the usage line and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    for (const text of ['no-such-service', 'a b', 'Bad!Name']) {
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/status', text, response_url: t.slack.createResponseUrl() }),
      );
      expect((JSON.parse(res.body) as { text: string }).text).toContain('Usage: /status [service]');
    }
    expect(await commandJobCount(t)).toBe(before);
  });
});

describe('/status when Prometheus and Alertmanager cannot be reached', () => {
  it('shows the HTTP services and alerts as unknown with the reason, once per service', async () => {
    const deps = buildDeps(
      loadConfig({
        DATABASE_URL: testDatabaseUrl(),
        REDIS_URL: testRedisUrl(),
        LOCALE: 'en',
        LOG_LEVEL: 'silent',
        PROMETHEUS_URL: `http://127.0.0.1:${CLOSED_PORT}`,
        ALERTMANAGER_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      }),
    );
    try {
      const report = await statusReport(deps);
      const out = renderText(report);
      expect(out).toMatch(
        /laojun-gateway\s+⚪ unknown · up\/requests\/5xx ratio\/p95 Prometheus unreachable at/,
      );
      expect(out).toMatch(/Alerts firing now: ⚪ Alertmanager unreachable at/);
      expect(report.tone).toBe('unknown');
    } finally {
      await closeDeps(deps);
    }
  });
});

describe('The CLI on a database the bot has never run on', () => {
  const cli = async (argv: string[], schema: string) => {
    let out = '';
    const code = await runCli(
      argv,
      { LOCALE: 'en', LOG_LEVEL: 'silent', DATABASE_URL: testDatabaseUrl(), DATABASE_SCHEMA: schema },
      {
        write: (chunk: string) => {
          out += chunk;
          return true;
        },
      } as NodeJS.WritableStream,
    );
    return { code, out };
  };

  it('/status says the incident tables are missing and how to point the CLI at the bot', async () => {
    const schema = uniqueName('fresh');
    const { code, out } = await cli(['status', 'postgresql'], schema);
    expect(code).toBe(0);
    expect(out).toContain(`no incident tables in schema ${schema}: the bot has not run on this database yet`);
    expect(out).not.toContain('does not exist');
  });

  it("commands that read the bot's history answer with what to do, not a stack trace", async () => {
    const schema = uniqueName('fresh');
    for (const argv of [['backup', 'list'], ['backup', 'status'], ['audit']]) {
      const { code, out } = await cli(argv, schema);
      expect(code).toBe(69);
      expect(out).toBe(
        `The bot's tables are not in schema ${schema} of this database: the bot has not run on it yet. Point DATABASE_URL (and DATABASE_SCHEMA if set) at the bot's database.\n`,
      );
    }
  });
});
