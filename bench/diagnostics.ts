/**
 * Diagnostics round trip: a signed `/status` or `/slowquery` → acknowledgement → job → command → answer
 * arriving at its response_url, with N concurrent users (default 50), each sending R commands one after
 * another. The bot runs as its own process against real Prometheus (scraping four metrics servers),
 * Alertmanager, PostgreSQL (a throwaway cluster with pg_stat_statements and a workload), Redis, and the
 * Elasticsearch stand-in. Then the same data sources are queried directly from this process with the
 * same concurrency (the "raw" time): the difference is the bot's overhead.
 *
 *   npm run bench:diagnostics [-- --users 50 --rounds 4]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { httpQueries } from '../src/diagnostics/status-http.ts';
import { AlertmanagerClient } from '../src/sources/alertmanager.ts';
import { clusterHealth, createElasticsearch } from '../src/sources/elasticsearch.ts';
import { httpHealth } from '../src/sources/http-health.ts';
import { statementsState, topStatements } from '../src/sources/pg-diagnostics.ts';
import { createTargetPool, postgresHealth } from '../src/sources/postgres.ts';
import { PrometheusClient } from '../src/sources/prometheus.ts';
import { createTargetRedis, redisHealth } from '../src/sources/redis.ts';
import { startFakeElasticsearch } from '../test/fakes/elasticsearch.ts';
import { startFakeSlack } from '../test/fakes/slack-api.ts';
import { makeTempDir } from '../test/helpers/cleanup.ts';
import { type MetricsServer, setLaojunMetrics, startMetricsServer } from '../test/helpers/metrics-server.ts';
import { startPgCluster } from '../test/helpers/pg-cluster.ts';
import { freePort } from '../test/helpers/ports.ts';
import { startAlertmanager, startPrometheus } from '../test/helpers/prometheus.ts';
import { testRedisUrl } from '../test/helpers/redis.ts';
import { postSigned, slashCommandBody } from '../test/helpers/slack-sign.ts';
import { BENCH_SIGNING_SECRET, spawnBot } from '../test/helpers/spawn-bot.ts';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '50' }, rounds: { type: 'string', default: '4' } },
});
const users = Number(values.users);
const rounds = Number(values.rounds);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? Number.NaN };
};

/** Runs `users` loops of `rounds` calls of `fn` concurrently; returns each call's milliseconds. */
async function closedLoop(fn: (user: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      for (let r = 0; r < rounds; r++) {
        const started = performance.now();
        await fn(u);
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

// --- the platform -----------------------------------------------------------------------------------
const servers: MetricsServer[] = await Promise.all([0, 1, 2, 3].map(() => startMetricsServer()));
const jobs = ['laojun-gateway', 'laojun-admin-api', 'laojun-marketplace-api', 'laojun-config-center'];
for (const [i, s] of servers.entries()) setLaojunMetrics(s, i === 0 ? 'highErrorRate' : 'healthy');
const [prom, am, es, cluster, slack] = await Promise.all([
  startPrometheus({
    scrapeTargets: jobs.map((job, i) => ({ job, hostPort: (servers[i] as MetricsServer).hostPort })),
  }),
  startAlertmanager({ webhookUrl: `http://127.0.0.1:${await freePort()}/alerts` }),
  startFakeElasticsearch(),
  startPgCluster(),
  startFakeSlack(),
]);
await am.postAlerts([{ labels: { alertname: 'HighErrorRate', severity: 'warning', job: 'laojun-gateway' } }]);
{
  const c = new pg.Client(cluster.url);
  await c.connect();
  await c.query('CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g');
  for (let i = 0; i < 20; i++) await c.query(`SELECT count(*) FROM t WHERE v LIKE '%${i}abc%'`);
  for (let i = 0; i < 3; i++) await c.query('SELECT pg_sleep(0.05)');
  await c.end();
}
const services = [
  ...jobs.map((job, i) => ({ name: job, job, healthUrl: `${(servers[i] as MetricsServer).url}/health` })),
  { name: 'postgresql', kind: 'postgres' },
  { name: 'redis', kind: 'redis' },
  { name: 'elasticsearch', kind: 'elasticsearch' },
];
const dir = makeTempDir('bench-diagnostics');
const configFile = join(dir.path, 'laojun.yml');
writeFileSync(configFile, stringify({ services, diagnostics: { rateWindow: '1m' } }));

const env = {
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.apiUrl,
  PROMETHEUS_URL: prom.url,
  ALERTMANAGER_URL: am.url,
  ELASTICSEARCH_URL: es.url,
  TARGET_DATABASE_URL: cluster.url,
  TARGET_REDIS_URL: testRedisUrl(),
  CONFIG_FILE: configFile,
};
const bot = await spawnBot(env);
await prom.waitFor('sum by (job) (rate(http_requests_total[1m]))', (s) => s.length === 4);

// --- answers at response_url ----------------------------------------------------------------------
const waiting = new Map<string, () => void>();
let seen = 0;
const poller = setInterval(() => {
  for (; seen < slack.responses.length; seen++) {
    const r = slack.responses[seen];
    if (r) waiting.get(r.id)?.();
  }
}, 2);

async function roundTrip(command: string, text: string, user: number): Promise<void> {
  const url = slack.createResponseUrl();
  const id = url.split('/').at(-1) as string;
  const answered = new Promise<void>((resolve) => waiting.set(id, resolve));
  const res = await postSigned(
    bot.url,
    BENCH_SIGNING_SECRET,
    slashCommandBody({ command, text, response_url: url, user_id: `U${String(user).padStart(4, '0')}BENCH` }),
  );
  if (res.status !== 200) throw new Error(`${command}: HTTP ${res.status} ${res.body}`);
  const timer = setTimeout(() => waiting.get(id)?.(), 60_000);
  await answered;
  clearTimeout(timer);
  waiting.delete(id);
  if (!slack.responses.some((r) => r.id === id)) {
    throw new Error(
      `${command}: no answer at response_url within 60 s (rejected: ${JSON.stringify(slack.rejected.slice(-1))})`,
    );
  }
}

// --- the same data sources, queried directly --------------------------------------------------------
const prometheus = new PrometheusClient(prom.url, { timeoutMs: 5_000 });
const alertmanager = new AlertmanagerClient(am.url);
const elastic = createElasticsearch(es.url);
const pool = createTargetPool(cluster.url);
const redis = createTargetRedis(testRedisUrl());
const q = httpQueries(jobs, '1m');

async function rawStatus(): Promise<void> {
  await Promise.all([
    ...[q.up, q.rps, q.errors, q.p95].map((e) => prometheus.query(e)),
    ...services
      .filter((s) => 'healthUrl' in s)
      .map((s) => httpHealth(fetch, (s as { healthUrl: string }).healthUrl)),
    postgresHealth(pool),
    redisHealth(redis),
    clusterHealth(elastic),
    alertmanager.firing(),
  ]);
}
async function rawSlowquery(): Promise<void> {
  const state = await statementsState(pool);
  await topStatements(pool, { versionNum: state.versionNum, sort: 'total', limit: 10 });
}

const results: Array<[string, ReturnType<typeof summary>]> = [];
try {
  for (const [command, text, raw] of [
    ['/status', '', rawStatus],
    ['/slowquery', '', rawSlowquery],
  ] as const) {
    await closedLoop((u) => roundTrip(command, text, u)).catch((err) => {
      throw new Error(`warm-up: ${(err as Error).message}`);
    }); // warm-up
    console.error(`${command}: warmed up`);
    results.push([`${command} round trip`, summary(await closedLoop((u) => roundTrip(command, text, u)))]);
    await closedLoop(() => raw());
    results.push([`${command} raw sources`, summary(await closedLoop(() => raw()))]);
  }
} finally {
  clearInterval(poller);
  await bot.stop();
  await Promise.allSettled([
    prom.stop(),
    am.stop(),
    es.close(),
    slack.close(),
    ...servers.map((s) => s.close()),
    pool.end(),
    redis.quit(),
    elastic.close(),
  ]);
  await cluster.stop();
  dir.remove();
}

console.log(
  `diagnostics round trip, ${users} concurrent users × ${rounds} commands, ${new Date().toISOString()}`,
);
for (const [name, s] of results) {
  console.log(
    `${name.padEnd(26)} n ${String(s.n).padStart(4)}  p50 ${s.p50.toFixed(0).padStart(5)} ms  p99 ${s.p99.toFixed(0).padStart(5)} ms  max ${s.max.toFixed(0).padStart(5)} ms`,
  );
}
for (const command of ['/status', '/slowquery']) {
  const trip = results.find(([n]) => n === `${command} round trip`)?.[1];
  const raw = results.find(([n]) => n === `${command} raw sources`)?.[1];
  if (trip && raw) {
    console.log(
      `${command} bot overhead over raw sources: p50 +${(trip.p50 - raw.p50).toFixed(0)} ms, p99 +${(trip.p99 - raw.p99).toFixed(0)} ms`,
    );
  }
}
process.exit(0);
