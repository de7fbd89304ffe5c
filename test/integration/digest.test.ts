import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupHistory } from '../../src/backup/history.ts';
import { dateIn } from '../../src/digest/format.ts';
import { blockText, pngSize } from '../helpers/block-text.ts';
import { eventually, logSink, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { buildHistory } from '../helpers/digest-history.ts';
import { clickAction, configFile, fixture, freshFixture, postAlerts, roots } from '../helpers/incidents.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { CLOSED_PORT } from '../helpers/ports.ts';
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
    expect(text).toContain('事件 0 起');
    expect(text).not.toContain('无数据');
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
    // 48 h of history: the trend is fitted to two daily peaks.
    expect(text).toContain(`近 2 天日峰值趋势 +34.6/天，预计 ${trendDate} 达到计划`);
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

  it('says "no incidents / no backups yet" while the incident and backup tables are empty', () => {
    expect(text).toMatch(/🚨 事件（24 小时）\n过去 24 小时没有事件/);
    expect(text).toMatch(/💾 备份\n暂无备份记录/);
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
});

describe('the incidents and backups sections, from what the incident and backup features record', () => {
  let t: TestBot;
  // The bot's clock, moved by the test: times to acknowledge and resolve are measured by the
  // incident feature from it, so the digest's figures are known exactly.
  const t0 = new Date(now.getTime() - 3 * 3_600_000);
  let clock = t0;
  const min = (m: number) => new Date(t0.getTime() + m * 60_000);
  const atMinute = (m: number) => {
    clock = min(m);
  };

  /** A fixture of another Alertmanager group (another instance) with the same alert name. */
  function otherGroup(p: Record<string, unknown>): Record<string, unknown> {
    return { ...p, groupKey: `${String(p.groupKey)}:other` };
  }

  async function postedRoot(groupKey: string) {
    const row = await eventually(async () => {
      const r = await t.db.pool.query<{ id: string; root_ts: string | null }>(
        'SELECT id, root_ts FROM incidents WHERE group_key = $1 ORDER BY id DESC LIMIT 1',
        [groupKey],
      );
      return r.rows[0]?.root_ts ? r.rows[0] : undefined;
    }, 45_000);
    const message = await eventually(() => roots(t.slack).find((m) => m.ts === row.root_ts));
    return { id: row.id, message };
  }

  async function ack(groupKey: string) {
    const { id, message } = await postedRoot(groupKey);
    const status = await clickAction(t, message, {
      action_id: 'incident_ack',
      block_id: `incident:${id}`,
      value: id,
      type: 'button',
    });
    expect(status).toBe(200);
    await eventually(async () => {
      const r = await t.db.pool.query('SELECT acked_at FROM incidents WHERE id = $1', [id]);
      return r.rows[0]?.acked_at != null;
    });
  }

  async function alert(p: Record<string, unknown>) {
    expect((await postAlerts(t.url, p)).status).toBe(200);
  }

  beforeAll(async () => {
    // Evidence replies are beside the point here, and at Slack's 1 message/s per channel they would
    // delay the roots this test waits for.
    const noEvidence = configFile(
      'incidents:\n  evidence:\n    ServiceDown: []\n    DiskSpaceHigh: []\n    HighErrorRate: []\n',
    );
    t = await startTestBot(digestEnv({ CONFIG_FILE: noEvidence }), { now: () => clock });
    const down = freshFixture('ServiceDown-firing', min(-2));
    const downKey = String(down.groupKey);
    const downB = otherGroup(freshFixture('ServiceDown-firing', min(0)));
    const downBKey = String(downB.groupKey);
    const disk = freshFixture('DiskSpaceHigh-firing', min(-1));

    // ServiceDown (group A): started 2 min before it reached the bot, acknowledged 10 min after
    // it started, resolved after 60 min. Group B: acknowledged after 2 min, resolved after 20.
    atMinute(0);
    await alert(down);
    await alert(downB);
    await alert(disk);
    atMinute(2);
    await ack(downBKey);
    atMinute(8);
    await ack(downKey);
    atMinute(20);
    await alert(otherGroup(freshFixture('ServiceDown-resolved', min(0), min(20))));
    // DiskSpaceHigh resolves and fires again within the flap window: reopened once, still open.
    atMinute(25);
    await alert(freshFixture('DiskSpaceHigh-resolved', min(-1), min(25)));
    atMinute(30);
    await alert(freshFixture('DiskSpaceHigh-firing', min(30)));
    atMinute(58);
    await alert(freshFixture('ServiceDown-resolved', min(-2), min(58)));
    // HighErrorRate fires and nobody has touched it yet.
    atMinute(120);
    await alert(freshFixture('HighErrorRate-firing', min(119)));
    await postedRoot(String(fixture('HighErrorRate-firing').groupKey));
    await eventually(async () => {
      const r = await t.db.pool.query(
        "SELECT count(*)::int AS n FROM incidents WHERE status = 'resolved' AND time_to_resolve_ms IS NOT NULL",
      );
      return r.rows[0].n === 2;
    });
    // Every incident's root is in Slack (and recorded) before the digest links to it.
    await eventually(async () => {
      const r = await t.db.pool.query(
        'SELECT count(*)::int AS n FROM incidents WHERE root_ts IS NULL AND storm_id IS NULL',
      );
      return r.rows[0].n === 0;
    }, 45_000);

    // Backups recorded by the backup feature's history: PostgreSQL good 6 h before the digest
    // and failed 2 h before it; Redis only failed.
    const history = new BackupHistory(t.db.pool);
    const run = async (target: 'postgres' | 'redis', at: Date, ok: boolean) => {
      const got = await history.acquire(target, {
        trigger: 'schedule',
        location: `/backups/${target}`,
        objectKey: `${target}-${at.getTime()}`,
        now: at,
      });
      if (!got.ok) throw new Error(`could not take the ${target} backup lock`);
      const done = new Date(at.getTime() + 60_000);
      if (ok)
        await history.succeed(got.lock.id, {
          now: done,
          bytes: 3 * 1024 * 1024,
          checksum: 'sha256:0',
          verification: 'pg_restore --list',
          details: {},
        });
      else await history.fail(got.lock.id, { now: done, error: 'pg_dump: connection refused' });
      await got.lock.release();
    };
    atMinute(180);
    await run('postgres', new Date(clock.getTime() - 6 * 3_600_000 - 60_000), true);
    await run('postgres', new Date(clock.getTime() - 2 * 3_600_000), false);
    await run('redis', new Date(clock.getTime() - 3_600_000), false);
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('/digest counts the incidents by alert name, with ack and resolve times, still open with thread links, flapping', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/digest', response_url: responseUrl }),
    );
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 30_000);
    const preview = blockText(answer.body.blocks);
    expect(preview).toContain('事件 4 起');
    expect(preview).toContain('4 起：ServiceDown ×2, DiskSpaceHigh ×1, HighErrorRate ×1');
    // Acknowledged after 10 and 2 minutes; resolved after 60 and 20.
    expect(preview).toMatch(/确认耗时\*\n中位 6 分钟 · 最长 10 分钟/);
    expect(preview).toMatch(/解决耗时\*\n中位 40 分钟 · 最长 1\.0 小时/);
    expect(preview).toContain('仍未解决（2）');
    expect(preview).toContain('DiskSpaceHigh · ');
    expect(preview).toContain('HighErrorRate · ');
    expect(preview).toContain('DiskSpaceHigh 重开 1 次');
    expect(preview).toMatch(/最吵的告警（触发次数）\*\nDiskSpaceHigh ×2, ServiceDown ×2, HighErrorRate ×1/);
    const blocks = JSON.stringify(answer.body.blocks);
    const open = await t.db.pool.query<{ channel: string; root_ts: string }>(
      "SELECT channel, root_ts FROM incidents WHERE status = 'firing' ORDER BY id",
    );
    expect(open.rows).toHaveLength(2);
    for (const r of open.rows)
      expect(blocks).toContain(`https://slack.com/archives/${r.channel}/p${r.root_ts.replace('.', '')}`);
  });

  it('/digest shows the last good backup per target and its age, and the failures of the day', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/digest', response_url: responseUrl }),
    );
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 30_000);
    const preview = blockText(answer.body.blocks);
    expect(preview).toMatch(/postgres\*\n[^\n]*最近成功 \d{4}-\d\d-\d\d \d\d:\d\d（6\.0 小时前） · 3\.0 MiB/);
    expect(preview).toMatch(/redis\*\n[^\n]*没有可用的成功备份/);
    expect(preview).toMatch(/24 小时内失败\*\n[^\n]*redis \d{4}-\d\d-\d\d \d\d:\d\d\npostgres /);
    expect(preview).not.toContain('无数据');
  });
});

describe('when Prometheus is down and the backup history cannot be read', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot(digestEnv({ PROMETHEUS_URL: `http://127.0.0.1:${CLOSED_PORT}` }), {
      now: () => now,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('still posts the digest, saying which sections have no data and why', async () => {
    await t.db.pool.query('ALTER TABLE backup_runs RENAME TO backup_runs_gone');
    await t.bot.deps.queues.enqueue('daily-digest', {});
    const message = await eventually(() => t.slack.channelMessages('C0DIGEST')[0], 30_000);
    const text = blockText(message.blocks);
    expect(text).toContain('无数据：服务、容量、资源、备份');
    expect(text).toMatch(
      /💾 备份\n⚪ 无数据：表 backup_runs 读取失败（relation "backup_runs" does not exist）/,
    );
    expect(text).toMatch(/🚨 事件（24 小时）\n过去 24 小时没有事件/);
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
