/**
 * Alert storm benchmark (`npm run bench:storm`): 5,000 alerts in 500 groups posted to /alerts
 * within about 10 s, the way an Alertmanager HA pair sends them (each group notified twice as it
 * grows from 5 to 10 alerts, every notification delivered by both peers), while the fake Slack
 * enforces 1 message/s per channel and Tier 3 edits. Prints intake throughput, p99 webhook
 * response time, Slack calls, 429s, the time until Slack matches the store, and alerts lost.
 *
 * Uses the machine's PostgreSQL and Redis (like the integration tests) and a private schema/prefix.
 * `npm run bench:storm -- --vs-alertmanager`: see bench/storm-vs-alertmanager.ts.
 */
import { STORM_MEMBER_JOIN, STORM_VERSION_SQL } from '../src/incidents/store.ts';
import { startFakeSlack } from '../test/fakes/slack-api.ts';
import { startTestBot } from '../test/helpers/bot.ts';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 500);
const ALERTS_PER_GROUP = Number(process.env.BENCH_ALERTS_PER_GROUP ?? 10);
const INTAKE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = 32;
const SYNC_TIMEOUT_MS = 15 * 60_000;

function payload(g: number, alerts: number, startsAt: string) {
  const name = `StormAlert${String(g).padStart(3, '0')}`;
  return {
    version: '4',
    groupKey: `{}:{alertname="${name}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'web\\.hook',
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, severity: g % 5 ? 'warning' : 'critical', job: 'laojun-gateway' },
    commonAnnotations: { summary: `服务 ${name} 异常` },
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: alerts }, (_, i) => ({
      status: 'firing',
      labels: { alertname: name, instance: `10.1.${g % 250}.${i}:8083`, job: 'laojun-gateway' },
      annotations: { summary: `服务 ${name} 异常`, description: `实例 10.1.${g % 250}.${i}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
      fingerprint: `${g.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
    })),
  };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main() {
  const slack = await startFakeSlack();
  const bot = await startTestBot({ LOG_LEVEL: 'error' }, { fakeSlack: slack });
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const half = Math.ceil(ALERTS_PER_GROUP / 2);
  // Notification 1 (half the alerts) then 2 (all of them), each delivered twice (HA peers).
  const requests: string[] = [];
  for (const alerts of [half, ALERTS_PER_GROUP]) {
    for (let g = 0; g < GROUPS; g += 1) {
      const body = JSON.stringify(payload(g, alerts, startsAt));
      requests.push(body, body);
    }
  }
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const intervalMs = (INTAKE_SECONDS * 1000) / requests.length;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      const res = await fetch(`${bot.url}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: requests[i],
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const intakeMs = performance.now() - started;

  // Wait until the store says Slack is in sync.
  const pool = bot.db.pool;
  let syncedAt = 0;
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const r = await pool.query(
      `SELECT (SELECT count(*) FROM incidents WHERE synced_version < version)
            + (SELECT count(*) FROM (SELECT s.id FROM incident_storms s JOIN incidents i ON ${STORM_MEMBER_JOIN}
                GROUP BY s.id HAVING ${STORM_VERSION_SQL} > s.synced_version) behind_storms)
            + (SELECT count(*) FROM incident_events e JOIN incidents i ON i.id = e.incident_id
                WHERE e.post AND i.storm_id IS NULL AND e.posted_ts IS NULL) AS behind`,
    );
    if (Number(r.rows[0].behind) === 0) {
      syncedAt = performance.now();
      break;
    }
    await new Promise((res) => setTimeout(res, 250));
  }

  // Alerts lost: sent but not stored, or stored but their group visible nowhere in Slack.
  const stored = await pool.query(
    `SELECT i.alertname, count(*)::int AS n FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id GROUP BY i.alertname`,
  );
  const visible = slack
    .channelMessages(bot.config.slack.incidentChannel ?? '')
    .map((m) => `${m.text ?? ''}${JSON.stringify(m.blocks ?? [])}`)
    .join('\n');
  let storedAlerts = 0;
  let shownAlerts = 0;
  for (const row of stored.rows) {
    storedAlerts += row.n;
    if (visible.includes(row.alertname)) shownAlerts += row.n;
  }
  const sent = GROUPS * ALERTS_PER_GROUP;
  const calls = slack.calls.filter((c) => c.method.startsWith('chat.') || c.method.startsWith('files.'));
  const by = (m: string) => calls.filter((c) => c.method === m).length;
  const sorted = [...latencies].sort((a, b) => a - b);
  const topLevel = slack.channelMessages(bot.config.slack.incidentChannel ?? '').length;

  const out = {
    groups: GROUPS,
    alerts: sent,
    webhookRequests: requests.length,
    statuses: Object.fromEntries(statuses),
    intakeSeconds: +(intakeMs / 1000).toFixed(2),
    intakeAlertsPerSecond: Math.round(sent / (intakeMs / 1000)),
    intakeAlertEntriesPerSecond: Math.round(
      (requests.length * (half + ALERTS_PER_GROUP)) / 2 / (intakeMs / 1000),
    ),
    webhookP50ms: +percentile(sorted, 50).toFixed(1),
    webhookP99ms: +percentile(sorted, 99).toFixed(1),
    webhookMaxMs: +(sorted.at(-1) ?? 0).toFixed(1),
    slackCalls: calls.length,
    slackPostMessage: by('chat.postMessage'),
    slackUpdate: by('chat.update'),
    slack429s: calls.filter((c) => c.status === 429).length,
    topLevelMessages: topLevel,
    secondsUntilSlackMatchesStore: syncedAt ? +((syncedAt - started) / 1000).toFixed(1) : 'timeout',
    secondsAfterIntakeEnded: syncedAt ? +((syncedAt - started - intakeMs) / 1000).toFixed(1) : 'timeout',
    alertsStored: storedAlerts,
    alertsLost: sent - shownAlerts,
  };
  console.log(JSON.stringify(out, null, 2));
  await bot.stop();
  await slack.close();
  process.exit(out.alertsLost === 0 && syncedAt ? 0 : 1);
}

// `--vs-alertmanager`: the storm through a real Alertmanager, its Slack receiver beside the bot.
if (process.argv.includes('--vs-alertmanager')) await import('./storm-vs-alertmanager.ts');
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
