/**
 * On-call benchmark (`npm run bench:oncall`): 500 open critical incidents, each with an escalation
 * of 4 steps (0 s, 10 s, 20 s, 30 s), fired by two replicas' tickers from PostgreSQL. Prints the
 * lateness of each step against its due time (p50, p99, max), how many steps fired (each must fire
 * exactly once), the event-loop delay, and peak RSS of this process (both bots and the fake Slack).
 *
 * Uses the machine's PostgreSQL and Redis (like the integration tests) and a private schema/prefix.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { startFakeSlack } from '../test/fakes/slack-api.ts';
import { startTestBot } from '../test/helpers/bot.ts';
import { configFile, startReplica } from '../test/helpers/incidents.ts';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 500);
const CONCURRENCY = 32;
const TOKEN = 'bench-alert-token-0123456789';
const TIMEOUT_MS = 5 * 60_000;

function payload(g: number, startsAt: string) {
  const name = `OncallBench${String(g).padStart(4, '0')}`;
  return {
    version: '4',
    groupKey: `{}:{alertname="${name}"}`,
    status: 'firing',
    receiver: 'web\\.hook',
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, severity: 'critical', job: 'laojun-gateway' },
    commonAnnotations: { summary: `服务 ${name} 异常` },
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: name, instance: `10.2.${g % 250}.1:8083`, job: 'laojun-gateway' },
        annotations: { summary: `服务 ${name} 异常` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
        fingerprint: g.toString(16).padStart(16, '0'),
      },
    ],
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : 0;

async function main() {
  const today = DateTime.now().setZone('Asia/Shanghai').toISODate();
  const env = {
    LOG_LEVEL: 'error',
    ALERT_WEBHOOK_TOKEN: TOKEN,
    // 500 new groups at once would be a storm (listed in one message, not paged one by one):
    // measured here is 500 escalations, so storm mode is off.
    CONFIG_FILE: configFile(`incidents:
  storm: { maxNewIncidents: 10000 }
oncall:
  opsGroup: S0OPS
  reminders: { enabled: false }
  schedules:
    - name: platform
      timeZone: Asia/Shanghai
      layers: [{ users: [U0PRIMARY, U0SECOND, U0THIRD], rotation: 1w, start: "${today}" }]
  policies:
    critical:
      - { after: 0s, notify: primary }
      - { after: 10s, notify: secondary }
      - { after: 20s, notify: usergroup }
      - { after: 30s, notify: here }
`),
  };
  const slack = await startFakeSlack();
  const bot = await startTestBot(env, { fakeSlack: slack });
  const replica = await startReplica(bot, env);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  try {
    const startsAt = new Date().toISOString();
    const bodies = Array.from({ length: INCIDENTS }, (_, g) => JSON.stringify(payload(g, startsAt)));
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++] as string;
          const res = await fetch(`${bot.url}/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body,
          });
          await res.text();
        }
      }),
    );
    console.log(`posted ${INCIDENTS} incidents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const expected = INCIDENTS * 4;
    const deadline = Date.now() + TIMEOUT_MS;
    let fired = 0;
    while (Date.now() < deadline) {
      const r = await bot.db.pool.query(
        "SELECT count(*) FILTER (WHERE fired_at IS NOT NULL)::int AS fired, count(*)::int AS planned FROM oncall_pages WHERE kind = 'step'",
      );
      fired = Number(r.rows[0].fired);
      if (fired >= expected) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const rows = await bot.db.pool.query(
      "SELECT step, lateness_ms FROM oncall_pages WHERE kind = 'step' AND fired_at IS NOT NULL ORDER BY lateness_ms",
    );
    const all = rows.rows.map((r) => Number(r.lateness_ms));
    const later = rows.rows.filter((r) => Number(r.step) > 0).map((r) => Number(r.lateness_ms));
    const events = await bot.db.pool.query(
      "SELECT count(*)::int AS n, count(DISTINCT (incident_id, data->>'step'))::int AS distinct_steps FROM incident_events WHERE kind = 'oncall_page'",
    );
    console.log(
      `steps fired: ${fired}/${expected} (thread events ${events.rows[0].n}, distinct ${events.rows[0].distinct_steps})`,
    );
    console.log(
      `lateness, all steps:      p50 ${percentile(all, 50)} ms  p99 ${percentile(all, 99)} ms  max ${all.at(-1) ?? 0} ms`,
    );
    console.log(
      `lateness, steps 2-4:      p50 ${percentile(later, 50)} ms  p99 ${percentile(later, 99)} ms  max ${later.at(-1) ?? 0} ms`,
    );
    console.log(
      `event loop delay: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms  max ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    console.log(`peak RSS (2 bots + fake Slack, one process): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    await replica.stop();
    await bot.stop();
    await slack.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
