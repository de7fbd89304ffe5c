import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { eventually } from '../helpers/bot.ts';
import { quoteIdent, testDatabaseUrl, uniqueName } from '../helpers/db.ts';
import { CHANNEL, freshFixture, postAlerts, replies, roots, textOf } from '../helpers/incidents.ts';
import { freePort } from '../helpers/ports.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';

/**
 * The bot is killed with SIGKILL (no shutdown hooks) while it is posting an incident thread;
 * started again on the same PostgreSQL and Redis, it finishes the thread with nothing posted twice.
 */
describe('SIGKILL in the middle of posting a thread', () => {
  let slack: FakeSlack;
  const schema = uniqueName('crash');
  const prefix = uniqueName('crash');
  const children: ChildProcess[] = [];

  async function startProcess(): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: testDatabaseUrl(),
        DATABASE_SCHEMA: schema,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 'crash-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: CHANNEL,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/healthz`)).ok, 30_000, 200);
    return { url, child };
  }

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await slack.close();
    const redis = new Redis(testRedisUrl());
    await cleanupPrefix(redis, prefix);
    await redis.quit();
    const client = new pg.Client(testDatabaseUrl());
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await client.end();
  });

  it('finishes the thread after a restart, with exactly one root and one checklist', async () => {
    const first = await startProcess();
    // The root goes out; then Slack starts failing the thread replies, so the worker is mid-thread.
    expect(
      (await postAlerts(first.url, freshFixture('ServiceDown-firing', new Date(Date.now() - 5_000)))).status,
    ).toBe(200);
    const root = await eventually(() => roots(slack)[0], 20_000);
    slack.failFor('chat.postMessage', { status: 503 }, 4_000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // A new process on the same state picks the work up (stalled job or the periodic sweep).
    await startProcess();
    await eventually(
      () => {
        const r = replies(slack, root);
        return r.some((m) => textOf(m).includes('立即行动')) ? r : undefined;
      },
      60_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(roots(slack)).toHaveLength(1);
    expect(replies(slack, root).filter((m) => textOf(m).includes('立即行动'))).toHaveLength(1);
    const texts = replies(slack, root).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
  }, 120_000);
});
