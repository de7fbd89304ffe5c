import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeElasticsearch, startFakeElasticsearch } from '../fakes/elasticsearch.ts';
import type { FakeMessage } from '../fakes/slack-api.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { testDatabaseUrl } from '../helpers/db.ts';
import { answerText, writeConfigFile } from '../helpers/diagnostics.ts';
import {
  CHANNEL,
  clickAction,
  freshFixture,
  postAlerts,
  replies,
  roots,
  textOf,
} from '../helpers/incidents.ts';
import { type MetricsServer, setLaojunMetrics, startMetricsServer } from '../helpers/metrics-server.ts';
import { type PrometheusInstance, startPrometheus } from '../helpers/prometheus.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const SECRET = 'Pg-S3cret-Evidence-Passw0rd';

/** Replies of the thread whose text contains `needle`. */
function repliesWith(t: TestBot, root: FakeMessage, needle: string): FakeMessage[] {
  return replies(t.slack, root).filter((m) => textOf(m).includes(needle));
}

function rootOf(t: TestBot, alertname: string): FakeMessage | undefined {
  return roots(t.slack).find((m) => textOf(m).includes(alertname));
}

/**
 * Evidence: an incident's thread gets the diagnostics its alert calls for without anyone asking,
 * through the real Prometheus (scraping a metrics server this test controls), the real PostgreSQL
 * and the Elasticsearch stand-in; the Status button adds a fresh status; all of it lands in the
 * incident report's timeline; /status lists the open incident with a link to its thread.
 */
describe('incident evidence in the thread', () => {
  let metrics: MetricsServer;
  let prom: PrometheusInstance;
  let es: FakeElasticsearch;
  let t: TestBot;

  beforeAll(async () => {
    [metrics, es] = await Promise.all([startMetricsServer(), startFakeElasticsearch()]);
    setLaojunMetrics(metrics, 'healthy');
    metrics.set('disk_free_bytes', { mountpoint: '/data' }, 10 * 1024 ** 3);
    metrics.set('disk_total_bytes', { mountpoint: '/data' }, 100 * 1024 ** 3);
    es.index('laojun-logs-2026.11.25', [
      {
        '@timestamp': new Date(Date.now() - 60_000).toISOString(),
        service: 'laojun-admin-api',
        level: 'error',
        message: `EV1 database connect failed: postgres://laojun:${SECRET}@db:5432/laojun refused`,
      },
    ]);
    prom = await startPrometheus({
      scrapeTargets: [{ job: 'laojun-admin-api', hostPort: metrics.hostPort }],
    });
    t = await startTestBot({
      PROMETHEUS_URL: prom.url,
      ELASTICSEARCH_URL: es.url,
      TARGET_DATABASE_URL: testDatabaseUrl(),
      CONFIG_FILE: writeConfigFile({ permissions: { admins: ['U0SRE'] } }),
    });
    await prom.waitFor('up{job="laojun-admin-api"} == 1');
    await prom.waitFor('disk_free_bytes');
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await prom?.stop();
    await es?.close();
    await metrics?.close();
  });

  it('ServiceDown: status and error logs of the job in the thread, once, even when the hook is retried', async () => {
    const firing = freshFixture('ServiceDown-firing', new Date(Date.now() - 120_000));
    expect((await postAlerts(t.url, firing)).status).toBe(200);
    const root = await eventually(() => rootOf(t, 'ServiceDown'), 20_000);

    const status = await eventually(() => repliesWith(t, root, 'laojun-admin-api 状态')[0], 30_000, 200);
    expect(textOf(status)).toContain('up'); // figures from the real Prometheus
    const logs = await eventually(() => repliesWith(t, root, 'laojun-admin-api 日志')[0], 30_000, 200);
    expect(textOf(logs)).toContain('EV1 database connect failed');
    expect(textOf(logs)).not.toContain(SECRET);
    expect(status.thread_ts).toBe(root.ts);

    // The hook runs again (a retry after a crash): nothing is posted twice.
    const commands = t.bot.deps.queues.queue('commands');
    const before = Object.values(await commands.getJobCounts()).reduce((a, b) => a + b, 0);
    const again = await t.bot.deps.queues.enqueue(
      'incident-opened',
      {
        incidentId: 1,
        channel: CHANNEL,
        threadTs: root.ts,
        alertname: 'ServiceDown',
        labels: { alertname: 'ServiceDown', job: 'laojun-admin-api', severity: 'critical' },
      },
      { jobId: 'incident-opened-retry-1' },
    );
    await eventually(async () => (await again.getState()) === 'completed' || undefined, 20_000);
    const after = Object.values(await commands.getJobCounts()).reduce((a, b) => a + b, 0);
    expect(after).toBe(before);
    expect(repliesWith(t, root, 'laojun-admin-api 状态')).toHaveLength(1);
    expect(repliesWith(t, root, 'laojun-admin-api 日志')).toHaveLength(1);
  }, 90_000);

  it('/status lists the open incident with a link to its thread', async () => {
    const root = rootOf(t, 'ServiceDown') as FakeMessage;
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', text: '', response_url: responseUrl }),
    );
    expect(res.status).toBe(200);
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 30_000);
    const text = answerText(answer.body);
    expect(text).toContain('进行中的事件（1）');
    expect(text).toContain('#1 ServiceDown');
    expect(text).toContain(`https://slack.com/archives/${CHANNEL}/p${root.ts.replace('.', '')}`);
  }, 60_000);

  it('the Status button posts a fresh status into the thread; the incident report lists the commands', async () => {
    const root = rootOf(t, 'ServiceDown') as FakeMessage;
    const buttons = JSON.stringify(root.blocks);
    expect(buttons).toContain('incident_run_status');
    expect(buttons).toContain('incident_run_logs');
    expect(
      await clickAction(t, root, {
        action_id: 'incident_run_status',
        block_id: 'incident:1',
        type: 'button',
        value: '1',
      }),
    ).toBe(200);
    await eventually(
      () => repliesWith(t, root, 'laojun-admin-api 状态').length === 2 || undefined,
      30_000,
      200,
    );

    // Wait until the button's run is in the timeline, then resolve: the report lists every command.
    await eventually(async () => {
      const r = await t.bot.deps.pool.query(
        "SELECT count(*)::int AS n FROM incident_events WHERE kind = 'command'",
      );
      return r.rows[0].n === 3 || undefined;
    }, 20_000);
    const resolved = freshFixture('ServiceDown-resolved', new Date(Date.now() - 120_000));
    expect((await postAlerts(t.url, resolved)).status).toBe(200);
    const report = await eventually(() => repliesWith(t, root, '事件报告')[0], 30_000, 200);
    const timeline = textOf(report);
    expect(timeline).toContain('自动取证 /status laojun-admin-api');
    expect(timeline).toContain('自动取证 /logs laojun-admin-api');
    expect(timeline).toContain('<@U0SRE> 在线程中运行 /status laojun-admin-api');
    // Timeline entries are not thread replies of their own.
    expect(repliesWith(t, root, '自动取证')).toHaveLength(1);
  }, 90_000);

  it('DatabaseConnectionHigh: connections, lock waits and slow queries of the real PostgreSQL', async () => {
    const firing = freshFixture('DatabaseConnectionHigh-firing', new Date(Date.now() - 60_000));
    expect((await postAlerts(t.url, firing)).status).toBe(200);
    const root = await eventually(() => rootOf(t, 'DatabaseConnectionHigh'), 20_000);
    const connections = await eventually(() => repliesWith(t, root, 'PostgreSQL 连接')[0], 30_000, 200);
    expect(textOf(connections)).toMatch(/active|idle/);
    await eventually(() => repliesWith(t, root, 'PostgreSQL 锁等待')[0], 30_000, 200);
    await eventually(() => repliesWith(t, root, 'PostgreSQL 慢查询')[0], 30_000, 200);
  }, 90_000);

  it('DiskSpaceHigh: disk usage per instance from the real Prometheus', async () => {
    const firing = freshFixture('DiskSpaceHigh-firing', new Date(Date.now() - 60_000));
    expect((await postAlerts(t.url, firing)).status).toBe(200);
    const root = await eventually(() => rootOf(t, 'DiskSpaceHigh'), 20_000);
    const disk = await eventually(() => repliesWith(t, root, '磁盘使用率')[0], 30_000, 200);
    expect(textOf(disk)).toContain('90.0%');
    expect(textOf(disk)).toContain('/data');
    expect(textOf(disk)).toContain('10.0 GiB');
  }, 90_000);
});
