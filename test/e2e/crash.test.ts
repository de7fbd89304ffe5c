import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { eventually } from '../helpers/bot.ts';
import { writeConfigFile } from '../helpers/diagnostics.ts';
import { CHANNEL, freshFixture, postAlerts, replies, roots, textOf } from '../helpers/incidents.ts';
import { settledProcess } from '../helpers/settled.ts';
import { type SpawnedBot, spawnBot } from '../helpers/spawn-bot.ts';

/**
 * The bot is killed with SIGKILL (no shutdown hooks) while it is posting an incident thread;
 * started again on the same PostgreSQL and Redis, it finishes the thread with nothing posted twice.
 */
describe('SIGKILL in the middle of posting a thread', () => {
  let slack: FakeSlack;
  const bots: SpawnedBot[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    // The first bot owns the schema and prefix; it cleans up after the replica has stopped.
    for (const b of [...bots].reverse()) await b.stop();
    await slack.close();
  });

  it('finishes the thread after a restart, with exactly one root and one checklist', async () => {
    const env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: CHANNEL,
      // The killed worker's lock expires after 6 s instead of 30 s, so recovery takes seconds.
      CONFIG_FILE: writeConfigFile({ queue: { lockDurationMs: 6_000 } }),
    };
    const first = await spawnBot(env);
    bots.push(first);
    // The root goes out; then Slack starts failing the thread replies, so the worker is mid-thread.
    const alert = freshFixture('ServiceDown-firing', new Date(Date.now() - 5_000));
    expect((await postAlerts(first.url, alert)).status).toBe(200);
    const root = await eventually(() => roots(slack)[0], 20_000);
    slack.failFor('chat.postMessage', { status: 503 }, 4_000);
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;

    // A new process on the same state picks the work up (stalled job or the periodic sweep).
    bots.push(await spawnBot(env, { schema: first.schema, prefix: first.prefix }));
    await eventually(() => replies(slack, root).some((m) => textOf(m).includes('立即行动')), 60_000, 250);
    await settledProcess(first);
    expect(roots(slack)).toHaveLength(1);
    expect(replies(slack, root).filter((m) => textOf(m).includes('立即行动'))).toHaveLength(1);
    const texts = replies(slack, root).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
  }, 120_000);
});
