import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { freshFixture, postAlerts, roots, textOf } from '../helpers/incidents.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

/** A signed /status; resolves with the ack text and a function that waits for the answer. */
async function status(t: TestBot) {
  const responseUrl = t.slack.createResponseUrl();
  const res = await postSigned(
    t.url,
    SIGNING_SECRET,
    slashCommandBody({ command: '/status', response_url: responseUrl }),
  );
  const ack = JSON.parse(res.body) as { text: string };
  const answered = () => eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 20_000);
  return { ack: ack.text, answered, responseUrl };
}

describe('faults in the bot’s own PostgreSQL and Redis', () => {
  let pgc: PgCluster;
  let redis: RedisServer;
  let t: TestBot;
  beforeAll(async () => {
    [pgc, redis] = await Promise.all([startPgCluster(), startRedisServer()]);
    t = await startTestBot({ REDIS_URL: redis.url }, { databaseUrl: pgc.url });
  });
  afterAll(async () => {
    await t?.stop();
    await Promise.all([pgc?.stop(), redis?.stop()]);
  });

  it('recovers by itself after Redis restarts empty: the user is told while it is down, and served after', async () => {
    await (await status(t)).answered();
    await redis.stopServer();
    const during = await status(t);
    expect(during.ack).toContain('任务队列暂不可用');
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
    await redis.startServer();
    await eventually(async () => (await fetch(`${t.url}/readyz`)).status === 200, 20_000, 200);
    const after = await eventually(
      async () => {
        const s = await status(t);
        return s.ack.includes('正在执行') ? s : undefined;
      },
      20_000,
      300,
    );
    const answer = await after.answered();
    expect(JSON.stringify(answer.body)).toContain('太上老君平台状态');
  });

  it('recovers by itself after PostgreSQL restarts; /alerts answers 503 meanwhile so Alertmanager retries', async () => {
    await pgc.stopServer();
    const alert = freshFixture('HighErrorRate-firing', new Date(Date.now() - 5_000));
    expect((await postAlerts(t.url, alert)).status).toBe(503);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.postgres).toMatch(
      /unavailable/,
    );
    await pgc.startServer();
    await eventually(async () => (await fetch(`${t.url}/readyz`)).status === 200, 20_000, 200);
    const s = await status(t);
    expect(s.ack).toContain('正在执行');
    await s.answered();
    // Alertmanager's retry is accepted now, and the incident thread appears.
    expect((await postAlerts(t.url, alert)).status).toBe(200);
    await eventually(() => roots(t.slack).find((m) => textOf(m).includes('HighErrorRate')), 20_000);
    // The audit trail is written again once PostgreSQL is back.
    await eventually(async () =>
      (await t.bot.deps.audit.recent({ command: 'status' })).some((r) => r.outcome === 'ok'),
    );
  });
});
