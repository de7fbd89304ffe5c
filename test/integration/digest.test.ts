import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateIn } from '../../src/digest/format.ts';
import { blockText, pngSize } from '../helpers/block-text.ts';
import { eventually, logSink, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { buildHistory } from '../helpers/digest-history.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { freePort } from '../helpers/ports.ts';
import { type PrometheusInstance, startPrometheus } from '../helpers/prometheus.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const DAY_MS = 86_400_000;
const history = buildHistory();
const now = new Date(history.now * 1000);
const day = dateIn(now, 'Asia/Shanghai');

let prometheus: PrometheusInstance;
let target: PgCluster;
let slowQueryId: string;

beforeAll(async () => {
  [prometheus, target] = await Promise.all([
    startPrometheus({ scrapeTargets: [], backfillOpenMetrics: history.openMetrics }),
    startPgCluster(),
  ]);
  // The target database's slowest statement: three 0.2 s sleeps.
  const c = new pg.Client({ connectionString: target.url });
  await c.connect();
  for (let i = 0; i < 3; i++) await c.query('SELECT pg_sleep(0.2)');
  const r = await c.query<{ queryid: string }>(
    "SELECT queryid::text AS queryid FROM pg_stat_statements WHERE query LIKE 'SELECT pg_sleep%'",
  );
  slowQueryId = r.rows[0]?.queryid ?? '';
  await c.end();
}, 60_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), target?.stop()]);
});

function digestEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PROMETHEUS_URL: prometheus.url,
    TARGET_DATABASE_URL: target.url,
    SLACK_DIGEST_CHANNEL: 'C0DIGEST',
    ...extra,
  };
}

describe('the daily digest against 48 hours of real Prometheus history', () => {
  let t: TestBot;
  let text: string;
  let ts: string;

  beforeAll(async () => {
    t = await startTestBot(digestEnv(), { now: () => now });
    // Yesterday's pg_stat_statements snapshot: the sleep query had 400 ms less then.
    const total = await new pg.Client({ connectionString: target.url });
    await total.connect();
    const row = await total.query<{ total: number }>(
      'SELECT total_exec_time AS total FROM pg_stat_statements WHERE queryid = $1::bigint',
      [slowQueryId],
    );
    await total.end();
    await t.db.pool.query(
      `INSERT INTO digest_query_snapshots (taken_on, queryid, calls, total_ms) VALUES ($1::date - 1, $2::bigint, 1, $3)`,
      [day, slowQueryId, (row.rows[0]?.total ?? 0) - 400],
    );
    await t.bot.deps.queues.enqueue('daily-digest', {});
    const message = await eventually(() => t.slack.channelMessages('C0DIGEST')[0], 30_000);
    text = blockText(message.blocks);
    ts = message.ts;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('posts one message with the title of the day and a summary', () => {
    expect(text).toContain(`每日健康摘要 · ${day}`);
    expect(text).toContain('3 个服务，最低可用性 laojun-admin-api 95.00%');
    expect(text).toContain('峰值 351.0/s（容量余量 64.9%）');
    expect(text).toContain('无数据：事件、备份');
    expect(t.slack.rejected).toEqual([]);
  });

  it('shows availability, requests, peak, p95 and 5xx per service with the change against the day before', () => {
    const field = (job: string) => text.split('\n*').find((f) => f.startsWith(`${job}*`)) ?? '';
    const gateway = field('laojun-gateway');
    expect(gateway).toContain('可用性 100.00% =');
    expect(gateway).toContain('请求 14.3M ▲11.1% · 峰值 280.0/s ▲11.1%');
    expect(gateway).toContain('p95 375 ms ▲50.0% · 5xx 1.00% ▼0.50pp');
    const admin = field('laojun-admin-api');
    expect(admin).toContain('🔴 可用性 95.00% ▲5.00pp');
    expect(admin).toContain('请求 3.7M ▲11.1% · 峰值 66.0/s ▲11.1%');
    expect(admin).toContain('p95 750 ms = · 5xx 2.00% =');
    const config = field('laojun-config-center');
    expect(config).toContain('请求 432.0k = · 峰值 5.0/s =');
    expect(config).toContain('5xx 0.00% =');
  });

  it('draws a 24-hour sparkline of request rate that climbs like the traffic did', () => {
    const line = text.split('\n*').find((f) => f.startsWith('laojun-gateway*')) ?? '';
    const spark = /请求 ([▁▂▃▄▅▆▇█]+)/.exec(line)?.[1] ?? '';
    expect([...spark]).toHaveLength(24);
    expect(spark.startsWith('▁')).toBe(true);
    expect(spark.endsWith('█')).toBe(true);
    const levels = [...spark].map((c) => '▁▂▃▄▅▆▇█'.indexOf(c));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    // Flat p95 sits in the middle.
    expect(line).toContain(`p95 ${'▄'.repeat(24)}`);
  });

  it('compares capacity with the plan: headroom and the dates the trend and the planned growth reach it', () => {
    expect(text).toContain('计划：峰值 1000 req/s，平均响应 200 ms，请求年增长 30%');
    expect(text).toContain('351.0/s ▲10.9%，余量 64.9%');
    expect(text).toContain('155 ms（计划 200 ms）');
    const trendDate = dateIn(new Date(now.getTime() + ((1000 - 351) / 34.6) * DAY_MS), 'Asia/Shanghai');
    expect(text).toContain(`日峰值 +34.6/天，预计 ${trendDate} 达到计划`);
    const years = Math.log(1000 / 351) / Math.log(1.3);
    const planDate = dateIn(new Date(now.getTime() + years * 365 * DAY_MS), 'Asia/Shanghai');
    expect(text).toContain(`预计 ${planDate} 达到 1000/s`);
  });

  it('shows CPU, memory and disk per instance with days until the disk reaches 85 %', () => {
    expect(text).toContain(
      'CPU 平均 41.7% 最高 80.0% · 内存 平均 62.5% 最高 62.5%\n磁盘 70.0%，约 15.0 天后达 85%',
    );
    expect(text).toContain('CPU 平均 20.0% 最高 20.0% · 内存 平均 50.0% 最高 50.0%\n磁盘 50.0%，未增长');
    expect(text).toContain('连接峰值 80 / 100（80%）');
    expect(text).toContain('内存 512.0 MiB（24 小时峰值 768.0 MiB，上限 2.0 GiB）· 命中率 95.0%');
  });

  it('says "no data yet" for incidents and backups while their tables do not exist', () => {
    expect(text).toMatch(/🚨 事件（24 小时）\n暂无数据/);
    expect(text).toMatch(/💾 备份\n暂无数据/);
  });

  it('lists the slowest statements of the target database with the change since yesterday', async () => {
    expect(text).toMatch(/1 +\d+\.\d ms +\+400\.0 ms +3 +\d+\.\d ms +SELECT pg_sleep\(\$1\)/);
    const saved = await t.db.pool.query(
      'SELECT count(*)::int AS n FROM digest_query_snapshots WHERE taken_on = $1::date',
      [day],
    );
    expect(saved.rows[0].n).toBeGreaterThan(0);
  });

  it('attaches a PNG chart in the thread with files.uploadV2', async () => {
    const upload = await eventually(() =>
      t.slack.uploads.find((u) => u.filename === `laojun-digest-${day}.png`),
    );
    await eventually(() => upload.completed);
    expect(upload.channel).toBe('C0DIGEST');
    expect(upload.thread_ts).toBe(ts);
    const { width, height } = pngSize(upload.bytes);
    expect(width).toBe(1000);
    expect(height).toBe(640);
    expect(upload.bytes.length).toBeGreaterThan(20_000);
    expect(upload.bytes.length).toBeLessThan(2_000_000);
    expect(text).toContain('请求率与 p95 延迟图表见附件。');
  });

  it('does not post the same day again when the job runs again', async () => {
    const job = await t.bot.deps.queues.enqueue('daily-digest', {});
    await eventually(async () => (await job.getState()) === 'completed', 20_000);
    expect(t.slack.channelMessages('C0DIGEST')).toHaveLength(1);
  });

  it('/digest through the signed slash path answers with the same digest, ephemerally', async () => {
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/digest', response_url: responseUrl }),
    );
    expect(res.status).toBe(200);
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 30_000);
    expect(answer.body.response_type).toBe('ephemeral');
    const preview = blockText(answer.body.blocks);
    expect(preview).toContain(`每日健康摘要（预览）· ${day}`);
    expect(preview).toContain('p95 375 ms ▲50.0% · 5xx 1.00% ▼0.50pp');
    expect(preview).toContain('预览：每日摘要按 0 9 * * *（Asia/Shanghai）发到 C0DIGEST');
    expect(t.slack.channelMessages('C0DIGEST')).toHaveLength(1);
  });

  it('reads the incidents and backups tables once they exist', async () => {
    await t.db.pool.query(`
      CREATE TABLE incidents (id serial, alertname text, status text, opened_at timestamptz,
        acknowledged_at timestamptz, resolved_at timestamptz, channel_id text, root_ts text, title text);
      CREATE TABLE backups (id serial, target text, status text, started_at timestamptz,
        finished_at timestamptz, size_bytes bigint, error text);`);
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
    await t.db.pool.query(
      `INSERT INTO incidents (alertname, status, opened_at, acknowledged_at, resolved_at, channel_id, root_ts, title) VALUES
        ('ServiceDown', 'resolved', $1, $2, $3, 'C0INCIDENT', '1.1', 'down'),
        ('ServiceDown', 'resolved', $4, $5, $6, 'C0INCIDENT', '1.2', 'down'),
        ('HighErrorRate', 'firing', $7, NULL, NULL, 'C0INCIDENT', '1700000000.000100', '高错误率')`,
      [at(600), at(598), at(540), at(300), at(290), at(280), at(60)],
    );
    await t.db.pool.query(
      `INSERT INTO backups (target, status, started_at, finished_at) VALUES
        ('postgresql', 'succeeded', $1, $2), ('postgresql', 'failed', $3, NULL)`,
      [at(366), at(360), at(120)],
    );
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/digest', response_url: responseUrl }),
    );
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 30_000);
    const preview = blockText(answer.body.blocks);
    expect(preview).toContain('3 起：ServiceDown ×2, HighErrorRate ×1');
    expect(preview).toContain('中位 6 分钟 · 最长 10 分钟');
    expect(preview).toContain('中位 40 分钟 · 最长 1.0 小时');
    expect(preview).toContain('HighErrorRate · ');
    expect(JSON.stringify(answer.body.blocks)).toContain(
      'https://slack.com/archives/C0INCIDENT/p1700000000000100',
    );
    expect(preview).toMatch(/最近成功 \d{4}-\d\d-\d\d \d\d:\d\d（6\.0 小时前）/);
    expect(preview).toContain('24 小时内失败');
  });
});

describe('when Prometheus is down', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot(digestEnv({ PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` }), {
      now: () => now,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('still posts the digest, saying which sections have no data and why', async () => {
    await t.bot.deps.queues.enqueue('daily-digest', {});
    const message = await eventually(() => t.slack.channelMessages('C0DIGEST')[0], 30_000);
    const text = blockText(message.blocks);
    expect(text).toContain('无数据：服务、容量、资源、事件、备份');
    expect(text).toMatch(/📈 服务 · [^\n]*\n⚪ 无数据：Prometheus 不可用（Prometheus unreachable at/);
    expect(text).toContain('SELECT pg_sleep($1)');
    expect(text).toContain('图表未生成');
    expect(t.slack.uploads).toHaveLength(0);
    expect(t.slack.rejected).toEqual([]);
  });
});

describe('scheduling across replicas', () => {
  it('two bots on the same queue prefix and database post exactly one digest for the day', async () => {
    const tmp = makeTempDir('digest-config');
    const file = join(tmp.path, 'config.yml');
    writeFileSync(file, 'digest:\n  cron: "* * * * * *"\n  timezone: Asia/Shanghai\n');
    const a = await startTestBot(digestEnv({ CONFIG_FILE: file }), { now: () => now });
    const { createBot } = await import('../../src/app.ts');
    const b = await createBot(a.config, {
      now: () => now,
      shutdownTimeoutMs: 5_000,
      logDestination: logSink([]),
    });
    try {
      await b.start();
      // Ticks every second on both replicas; wait for the post and a few more ticks.
      await eventually(() => a.slack.channelMessages('C0DIGEST')[0], 30_000);
      const counts = async () => {
        const c = await a.bot.deps.queues.queue('maintenance').getJobCounts('completed');
        return c.completed ?? 0;
      };
      const seen = await counts();
      await eventually(async () => (await counts()) >= seen + 3, 20_000);
      expect(a.slack.channelMessages('C0DIGEST')).toHaveLength(1);
      const runs = await a.db.pool.query('SELECT day::text, status FROM digest_runs');
      expect(runs.rows).toEqual([{ day, status: 'posted' }]);
    } finally {
      await b.stop();
      await a.stop();
      tmp.remove();
    }
  }, 90_000);
});
