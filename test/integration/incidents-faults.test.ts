import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import {
  CHANNEL,
  configFile,
  alertGroup as group,
  postAlerts,
  replies,
  roots,
  startReplica,
  textOf,
} from '../helpers/incidents.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis.ts';
import { settled } from '../helpers/settled.ts';

/** Slack shows exactly one root and one checklist for the group, nothing else at top level. */
async function exactlyOneThread(t: TestBot, name: string) {
  const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes(name)), 20_000);
  await eventually(() => replies(t.slack, root).length >= 1, 20_000);
  await settled(t);
  expect(roots(t.slack).filter((m) => textOf(m).includes(name))).toHaveLength(1);
  expect(replies(t.slack, root)).toHaveLength(1);
  expect(textOf(replies(t.slack, root)[0])).toContain('确认故障范围和影响');
  const synced = await t.db.pool.query(
    'SELECT synced_version >= version AS ok FROM incidents WHERE alertname = $1',
    [name],
  );
  expect(synced.rows.map((r) => r.ok)).toEqual([true]);
}

describe('incident sync under faults', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });

  it('two bot replicas receiving the same payload at the same moment post exactly one root', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    const replica: Bot = await startReplica(t);
    cleanups.push(() => replica.stop());
    const payload = group('ReplicaRace', 3);
    const answers = await Promise.all([
      postAlerts(t.url, payload),
      postAlerts(replica.url ?? '', payload),
      postAlerts(t.url, payload),
      postAlerts(replica.url ?? '', payload),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await exactlyOneThread(t, 'ReplicaRace');
    const n = await t.db.pool.query('SELECT count(*)::int AS n FROM incidents');
    expect(n.rows[0].n).toBe(1);
  });

  it('Slack answering 5xx for a while, then recovering: one root, one checklist', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    t.slack.failFor('chat.postMessage', { status: 503 }, 3_000);
    expect((await postAlerts(t.url, group('SlackDown'))).status).toBe(200);
    await exactlyOneThread(t, 'SlackDown');
    expect(t.slack.rejected.some((c) => c.status === 503)).toBe(true);
  });

  it('Slack making a post but answering 5xx, and failing the search that follows: still one root, one checklist', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    // Slack's edge fails after the post took effect (the root, then the checklist) …
    t.slack.failNext('chat.postMessage', { status: 503, committed: true }, 2);
    // … and the searches for those posts fail for a while too: the bot must wait, not post again.
    t.slack.failFor('conversations.history', { status: 503 }, 4_000);
    t.slack.failFor('conversations.replies', { status: 503 }, 4_000);
    expect((await postAlerts(t.url, group('EdgeFailure'))).status).toBe(200);
    // Retried with backoff until the searches answer again.
    await eventually(async () => {
      const r = await t.db.pool.query('SELECT synced_version >= version AS ok FROM incidents');
      return r.rows[0]?.ok === true;
    }, 40_000);
    await exactlyOneThread(t, 'EdgeFailure');
    expect(t.slack.rejected.filter((c) => c.method === 'chat.postMessage' && c.status === 503)).toHaveLength(
      2,
    );
    expect(t.slack.rejected.some((c) => c.method === 'conversations.history' && c.status === 503)).toBe(true);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/laojun_incident_uncertain_posts_total 0/);
  });

  it('Slack answering 429 with Retry-After: deferred, then posted once', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    t.slack.failNext('chat.postMessage', { status: 429, retryAfter: 2 }, 2);
    expect((await postAlerts(t.url, group('RateLimited'))).status).toBe(200);
    await exactlyOneThread(t, 'RateLimited');
    expect(t.slack.rejected.filter((c) => c.status === 429)).toHaveLength(2);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/laojun_incident_slack_rate_limited_total\{method="chat.postMessage"\} 2/);
  });

  it('roots first: groups waiting behind a 429 all get their root before any thread gets its replies', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    // Slack holds the channel while five groups arrive, so all of them wait at once.
    t.slack.failFor('chat.postMessage', { status: 429, retryAfter: 2 }, 1_500);
    const names = ['RootsA', 'RootsB', 'RootsC', 'RootsD', 'RootsE'];
    for (const name of names) expect((await postAlerts(t.url, group(name))).status).toBe(200);
    await eventually(
      () => roots(t.slack).length === 5 && roots(t.slack).every((r) => replies(t.slack, r).length >= 1),
      40_000,
    );
    const posted = t.slack.messages.filter((m) => m.channel === CHANNEL);
    const lastRoot = Math.max(...posted.map((m, i) => (m.thread_ts ? -1 : i)));
    const firstReply = posted.findIndex((m) => m.thread_ts);
    expect(lastRoot).toBeLessThan(firstReply);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/laojun_incident_slack_paced_total\{method="roots-first"\} [1-9]/);
  });

  it('a crash between posting and recording: the earlier post is found by its marker, not posted again', async () => {
    const t = await startTestBot();
    cleanups.push(() => t.stop());
    const started = new Date(Date.now() - 60_000);
    expect((await postAlerts(t.url, group('CrashWindow', 1, 'firing', started))).status).toBe(200);
    await exactlyOneThread(t, 'CrashWindow');
    const root = roots(t.slack).find((m) => textOf(m).includes('CrashWindow'));
    if (!root) throw new Error('no root');
    // The state a crash right after Slack accepted the posts leaves: claimed, ts never recorded.
    await t.db.pool.query('UPDATE incidents SET root_ts = NULL');
    await t.db.pool.query("UPDATE incident_events SET posted_ts = NULL WHERE kind = 'checklist'");
    // A change arrives (a second alert) and the sync runs again.
    expect((await postAlerts(t.url, group('CrashWindow', 2, 'firing', started))).status).toBe(200);
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('新增告警 1 条')), 20_000);
    await eventually(() => textOf(roots(t.slack).find((m) => m.ts === root.ts)).includes('10.0.0.1:8080'));
    await settled(t);
    expect(roots(t.slack)).toHaveLength(1);
    expect(replies(t.slack, root)).toHaveLength(2); // the checklist once, then the added alert
    const row = await t.db.pool.query('SELECT root_ts FROM incidents');
    expect(row.rows[0].root_ts).toBe(root.ts);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/laojun_incident_uncertain_posts_total 0/);
  });

  it('Redis flushed while incidents are pending: the sweep restores them from PostgreSQL', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const t = await startTestBot(
      { REDIS_URL: redis.url, CONFIG_FILE: configFile('incidents:\n  sweepEverySeconds: 5\n') },
      { scheduleRefreshMs: 1_000 },
    );
    cleanups.push(() => t.stop());
    t.slack.failFor('*', { status: 503 }, 3_000);
    expect((await postAlerts(t.url, group('FlushedA'))).status).toBe(200);
    expect((await postAlerts(t.url, group('FlushedB', 2))).status).toBe(200);
    const client = new Redis(redis.url);
    await client.flushall();
    await client.quit();
    await exactlyOneThread(t, 'FlushedA');
    await exactlyOneThread(t, 'FlushedB');
  });

  it('storm mode: more new groups than allowed are listed in one storm message, none dropped', async () => {
    const t = await startTestBot({
      CONFIG_FILE: configFile('incidents:\n  storm:\n    maxNewIncidents: 2\n    windowSeconds: 60\n'),
    });
    cleanups.push(() => t.stop());
    const names = Array.from({ length: 8 }, (_, i) => `Storm${i}`);
    const started = new Date(Date.now() - 60_000);
    for (const [i, name] of names.entries()) {
      expect((await postAlerts(t.url, group(name, 1, 'firing', started))).status).toBe(200);
      // The first two roots are out before the storm begins (a root still waiting would join it).
      if (i === 1) await eventually(() => roots(t.slack).length === 2);
    }
    const storm = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('告警风暴')), 20_000);
    await eventually(() => textOf(roots(t.slack).find((m) => m.ts === storm.ts)).includes('Storm7'), 20_000);
    // two threads of their own + one storm message
    const top = await eventually(() => (roots(t.slack).length >= 3 ? roots(t.slack) : undefined), 20_000);
    await settled(t);
    expect(roots(t.slack)).toHaveLength(3);
    const everything = top.map(textOf).join('\n');
    for (const name of names) expect(everything).toContain(name);

    // A stormed group resolving updates the storm message in place.
    expect((await postAlerts(t.url, group('Storm5', 1, 'resolved', started))).status).toBe(200);
    await eventually(
      () => textOf(roots(t.slack).find((m) => m.ts === storm.ts)).includes('6 个告警组（5 个告警中）'),
      20_000,
    );
    expect(roots(t.slack)).toHaveLength(3);
    expect(t.slack.rejected.filter((c) => c.status !== 429)).toEqual([]);
  });
});

afterAll(() => {});
