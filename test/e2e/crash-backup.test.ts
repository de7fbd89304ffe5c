import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { seedPlatformDb, writeConfigFile } from '../helpers/backup.ts';
import { eventually } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { quoteIdent, testDatabaseUrl } from '../helpers/db.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { settledProcess } from '../helpers/settled.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';
import { BENCH_SIGNING_SECRET, type SpawnedBot, spawnBot } from '../helpers/spawn-bot.ts';

const ADMIN = 'U0ADMIN';

/**
 * The bot is killed with SIGKILL (as when its container dies) while `/backup postgres` is running;
 * started again on the same PostgreSQL and Redis, it runs the backup to the end and answers once.
 */
describe('SIGKILL in the middle of a backup', () => {
  let slack: FakeSlack;
  let cluster: PgCluster;
  let dir: { path: string; remove: () => void };
  let config: { path: string; remove: () => void };
  const bots: SpawnedBot[] = [];

  beforeAll(async () => {
    [slack, cluster] = await Promise.all([startFakeSlack(), startPgCluster()]);
    await seedPlatformDb(cluster.url, 2_000);
    dir = makeTempDir('backups');
    // A 6 s lock instead of 30 s: the killed job is taken over within seconds.
    config = writeConfigFile({ permissions: { admins: [ADMIN] }, queue: { lockDurationMs: 6_000 } });
  });
  afterAll(async () => {
    for (const b of [...bots].reverse()) await b.stop();
    await Promise.allSettled([slack?.close(), cluster?.stop()]);
    dir?.remove();
    config?.remove();
  });

  it('finishes the backup after a restart: one good backup, the killed run marked interrupted, one answer', async () => {
    const env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      TARGET_DATABASE_URL: cluster.url,
      BACKUP_DIR: dir.path,
      CONFIG_FILE: config.path,
    };
    const target = new pg.Client({ connectionString: cluster.url });
    await target.connect();
    try {
      // Another session holds a table lock, so pg_dump is caught mid-run.
      await target.query('BEGIN');
      await target.query('LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
      const first = await spawnBot(env);
      bots.push(first);
      const responseUrl = slack.createResponseUrl();
      const ack = await postSigned(
        first.url,
        BENCH_SIGNING_SECRET,
        slashCommandBody({ command: '/backup', text: 'postgres', user_id: ADMIN, response_url: responseUrl }),
      );
      expect(ack.status).toBe(200);
      const monitor = new pg.Client({ connectionString: cluster.url });
      await monitor.connect();
      try {
        await eventually(
          async () =>
            ((
              await monitor.query(
                `SELECT 1 FROM pg_stat_activity WHERE application_name = 'laojun-chatops-backup' AND wait_event_type = 'Lock'`,
              )
            ).rowCount ?? 0) >= 1,
          20_000,
          100,
        );
        const exited = new Promise((r) => first.child.once('exit', r));
        first.child.kill('SIGKILL');
        await exited;
        // Everything in the dead container goes with it, pg_dump included (the backup's sessions are
        // named laojun-chatops-backup).
        await monitor.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'laojun-chatops-backup'`,
        );
      } finally {
        await monitor.end();
      }
      await target.query('ROLLBACK');

      bots.push(await spawnBot(env, { schema: first.schema, prefix: first.prefix }));
      const answers = () => slack.responses.filter((r) => responseUrl.endsWith(r.id));
      const answer = await eventually(() => answers()[0], 60_000, 250);
      const text = JSON.stringify(answer.body);
      expect(text).toContain('备份结果');
      expect(text).toContain('已校验');

      const db = new pg.Client({ connectionString: testDatabaseUrl() });
      await db.connect();
      try {
        const { rows } = await db.query<{ status: string }>(
          `SELECT status FROM ${quoteIdent(first.schema)}.backup_runs WHERE target = 'postgres' ORDER BY started_at`,
        );
        expect(rows.map((r) => r.status)).toEqual(['interrupted', 'ok']);
      } finally {
        await db.end();
      }
      const files = readdirSync(join(dir.path, 'postgres'));
      expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
      expect(files.filter((f) => f.endsWith('.dump'))).toHaveLength(1);
      // The answer is not repeated by a second run of the job.
      await settledProcess(first);
      expect(answers()).toHaveLength(1);
    } finally {
      await target.end();
    }
  }, 120_000);
});
