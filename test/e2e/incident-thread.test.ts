import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { clickAction, configFile, replies, roots, textOf } from '../helpers/incidents.ts';
import { type MetricsServer, setLaojunMetrics, startMetricsServer } from '../helpers/metrics-server.ts';
import { freePort } from '../helpers/ports.ts';
import {
  type AlertmanagerInstance,
  LAOJUN_ALERT_RULES,
  type PrometheusInstance,
  startAlertmanager,
  startPrometheus,
} from '../helpers/prometheus.ts';

const TOKEN = 'e2e-alert-token-0123456789';

/**
 * The real chain: Prometheus with the manual's rules (for: 0s) scrapes a metrics server this test
 * controls; Alertmanager with the manual's route posts to the bot with a bearer token; the fake
 * Slack receives. Break the admin API → one thread with the checklist; silence and expire from the
 * thread; mend it → the root turns resolved in place.
 */
describe('end to end: Prometheus → Alertmanager → bot → Slack', () => {
  let metrics: MetricsServer;
  let am: AlertmanagerInstance;
  let prom: PrometheusInstance;
  let t: TestBot;

  beforeAll(async () => {
    metrics = await startMetricsServer();
    setLaojunMetrics(metrics, 'healthy');
    const port = await freePort();
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${port}/alerts`, bearerToken: TOKEN });
    t = await startTestBot({
      PORT: String(port),
      ALERT_WEBHOOK_TOKEN: TOKEN,
      ALERTMANAGER_URL: am.url,
      CONFIG_FILE: configFile('permissions:\n  admins: [U0SRE]\n'),
    });
    prom = await startPrometheus({
      scrapeTargets: [{ job: 'laojun-admin-api', hostPort: metrics.hostPort }],
      rules: LAOJUN_ALERT_RULES('0s'),
      alertmanagerUrl: am.url,
    });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await t?.stop();
    await metrics?.close();
  });

  it('break a service → one thread with the checklist; mend it → root resolved in place', async () => {
    await prom.waitFor('up{job="laojun-admin-api"} == 1');
    metrics.setMetricsStatus(500);

    const root = await eventually(() => roots(t.slack)[0], 60_000, 200);
    expect(textOf(root)).toContain('ServiceDown');
    expect(textOf(root)).toContain('服务 laojun-admin-api 已停止');
    expect(textOf(root)).toContain(metrics.hostPort);
    expect(textOf(root)).toContain('/graph?g0.expr='); // Prometheus link from generatorURL
    const checklist = await eventually(() => replies(t.slack, root)[0], 20_000);
    expect(textOf(checklist)).toContain('启动应急预案');

    // Silence for 1 h from the thread: a real silence in Alertmanager, matching the group.
    expect(
      await clickAction(t, root, {
        action_id: 'incident_silence_1h',
        block_id: 'incident:1',
        type: 'button',
        value: '1',
      }),
    ).toBe(200);
    const silence = await eventually(
      async () => (await am.getSilences()).find((s) => s.status.state === 'active'),
      20_000,
    );
    expect(silence.matchers).toEqual([
      { name: 'alertname', value: 'ServiceDown', isRegex: false, isEqual: true },
    ]);
    expect(silence.comment).toContain('incident #1');
    const silencedReply = await eventually(
      () => replies(t.slack, root).find((m) => textOf(m).includes('静默了此告警组')),
      20_000,
    );
    expect(textOf(silencedReply)).toContain(silence.id);

    // Expire it again from the thread.
    expect(
      await clickAction(t, silencedReply, {
        action_id: 'incident_silence_expire',
        type: 'button',
        value: `1:${silence.id}`,
      }),
    ).toBe(200);
    await eventually(
      async () => (await am.getSilences()).find((s) => s.id === silence.id)?.status.state === 'expired',
      20_000,
    );
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('解除了静默')), 20_000);

    // Mend: the same root turns resolved, the thread gets the resolution and the report.
    metrics.setMetricsStatus(200);
    await eventually(() => textOf(roots(t.slack)[0]).includes('已恢复'), 90_000, 250);
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('事件报告')), 20_000);
    expect(roots(t.slack)).toHaveLength(1);
    expect(t.slack.rejected.filter((c) => c.status !== 429)).toEqual([]);
    const stored = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM alert_notifications WHERE status = 'resolved'",
    );
    expect(stored.rows[0].n).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
