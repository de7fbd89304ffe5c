import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPlatformDb, writeConfigFile } from '../helpers/backup.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { uniqueName } from '../helpers/db.ts';
import { commandJobCount } from '../helpers/diagnostics.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';
import { settled } from '../helpers/settled.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const ADMIN = 'U0ADMIN';
const VIEWER = 'U0VIEWER';

function answerText(t: TestBot, responseUrl: string): Promise<string> {
  return eventually(() => {
    const r = t.slack.responses.find((x) => x.id && responseUrl.endsWith(x.id));
    return r ? JSON.stringify(r.body) : undefined;
  }, 30_000);
}

describe('/backup through the real slash path', () => {
  let cluster: PgCluster;
  let t: TestBot;
  let dir: { path: string; remove: () => void };
  let configFile: { path: string; remove: () => void };

  beforeAll(async () => {
    cluster = await startPgCluster();
    await seedPlatformDb(cluster.url, 2_000);
    dir = makeTempDir('backups');
    configFile = writeConfigFile({
      permissions: { admins: [ADMIN] },
      backup: { schedule: { tz: 'Asia/Shanghai' } },
    });
    t = await startTestBot({
      TARGET_DATABASE_URL: cluster.url,
      BACKUP_DIR: dir.path,
      CONFIG_FILE: configFile.path,
      SLACK_DIGEST_CHANNEL: 'C0DIGEST',
    });
  });
  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    dir?.remove();
    configFile?.remove();
  });

  const slash = (text: string, user: string) => {
    const responseUrl = t.slack.createResponseUrl();
    const res = postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/backup', text, user_id: user, response_url: responseUrl }),
    );
    return { responseUrl, res };
  };

  it('an admin runs /backup postgres and is answered when it is done: size, location, sha256, verified', async () => {
    const { responseUrl, res } = slash('postgres', ADMIN);
    const ack = await res;
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body).text).toContain('/backup postgres');
    const text = await answerText(t, responseUrl);
    expect(text).toContain('备份结果');
    expect(text).toContain('已校验');
    expect(text).toContain(`${dir.path}/postgres/laojun_`);
    expect(text).toMatch(/sha256：[0-9a-f]{64}/);
    expect(t.slack.rejected).toEqual([]);
  });

  it('a non-admin is refused /backup postgres in the ack and nothing is enqueued', async () => {
    const before = await commandJobCount(t);
    const { res } = slash('postgres', VIEWER);
    const ack = JSON.parse((await res).body);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('backup:run');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('anyone may list backups and see their status', async () => {
    const list = slash('list', VIEWER);
    expect((await list.res).status).toBe(200);
    const listed = await answerText(t, list.responseUrl);
    expect(listed).toContain('最近的备份');
    expect(listed).toContain('成功');

    const status = slash('status', VIEWER);
    await status.res;
    const text = await answerText(t, status.responseUrl);
    expect(text).toContain('备份状态');
    expect(text).toMatch(/最近一次成功：.*前/);
  });

  it('bad arguments get the usage line and nothing is enqueued', async () => {
    const before = await commandJobCount(t);
    const { res } = slash('mysql', ADMIN);
    const ack = JSON.parse((await res).body);
    expect(ack.text).toContain('mysql');
    expect(ack.text).toContain('/backup [postgres|redis|minio]');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('registers the nightly and drill schedulers with the configured time zone', async () => {
    const q = t.bot.deps.queues.queue('maintenance');
    const schedulers = await q.getJobSchedulers();
    const byName = Object.fromEntries(schedulers.map((s) => [s.name, s]));
    expect(byName['backup-nightly']).toMatchObject({ pattern: '0 2 * * *', tz: 'Asia/Shanghai' });
    expect(byName['backup-restore-drill']).toMatchObject({ pattern: '0 4 * * 0', tz: 'Asia/Shanghai' });
  });

  it('a nightly run that fails is posted loudly to the digest channel and counted', async () => {
    const deps = t.bot.deps;
    // TARGET_REDIS_URL is the shared Redis; make the run fail by asking for MinIO, which is not configured.
    await deps.queues.enqueue('backup-nightly', { targets: ['minio'] });
    const msg = await eventually(
      () => t.slack.channelMessages('C0DIGEST').find((m) => m.text?.includes('每日备份失败')),
      20_000,
    );
    expect(JSON.stringify(msg.blocks)).toContain('MINIO_ENDPOINT');
    const metrics = await deps.metrics.registry.metrics();
    expect(metrics).toContain(
      'laojun_backup_runs_total{target="minio",trigger="schedule",outcome="failed"} 1',
    );
  });
});

describe('nightly schedule across two replicas', () => {
  it('fires from one scheduler shared by both replicas and reports to the digest channel', async () => {
    const cluster = await startPgCluster();
    await seedPlatformDb(cluster.url, 500);
    const dir = makeTempDir('backups');
    const configFile = writeConfigFile({
      backup: { schedule: { cron: '*/3 * * * * *', tz: 'UTC', targets: ['postgres'] } },
    });
    const prefix = uniqueName('q');
    const env = {
      TARGET_DATABASE_URL: cluster.url,
      BACKUP_DIR: dir.path,
      CONFIG_FILE: configFile.path,
      SLACK_DIGEST_CHANNEL: 'C0DIGEST',
      QUEUE_PREFIX: prefix,
    };
    const a = await startTestBot(env);
    const b = await startTestBot(env, { fakeSlack: a.slack });
    try {
      const schedulers = await a.bot.deps.queues.queue('maintenance').getJobSchedulers();
      expect(schedulers.filter((s) => s.name === 'backup-nightly')).toHaveLength(1);
      const digests = () => a.slack.channelMessages('C0DIGEST').filter((m) => m.text?.includes('每日备份'));
      await eventually(() => digests().length >= 2, 20_000);
      await a.bot.deps.queues.queue('maintenance').removeJobScheduler('backup-nightly');
      await settled(a); // a run in flight finishes
      expect(digests()[0]?.text).toContain('1 个成功，0 个失败，0 个正在进行中');
      // One run per tick across both replicas: every run was a success (none "already running"),
      // and each produced exactly one digest message.
      // (Each test bot has its own schema, so the history is split between the two.)
      const runs = [];
      for (const bot of [a, b]) {
        const r = await bot.bot.deps.pool.query(`SELECT status FROM backup_runs WHERE trigger = 'schedule'`);
        runs.push(...r.rows);
      }
      expect(runs.every((r) => r.status === 'ok')).toBe(true);
      expect(digests()).toHaveLength(runs.length);
      expect(digests().every((m) => m.text?.includes('1 个成功'))).toBe(true);
    } finally {
      await b.stop();
      await a.stop();
      const redis = new Redis(testRedisUrl());
      await cleanupPrefix(redis, prefix).catch(() => {});
      await redis.quit();
      await cluster.stop();
      dir.remove();
      configFile.remove();
    }
  });
});
