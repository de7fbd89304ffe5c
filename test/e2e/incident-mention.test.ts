import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack-api.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import {
  CHANNEL,
  configFile,
  freshFixture,
  postAlerts,
  replies,
  roots,
  textOf,
} from '../helpers/incidents.ts';
import { slackSignature } from '../helpers/slack-sign.ts';

/** POSTs a signed Events API callback carrying an `app_mention`, as Slack does (retries add X-Slack-Retry-Num). */
async function mention(
  t: TestBot,
  eventId: string,
  event: { user: string; text: string; ts: string; thread_ts?: string },
  retryNum?: number,
): Promise<number> {
  const body = JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0LAOJUN',
    api_app_id: 'A0CHATOPS',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', channel: CHANNEL, team: 'T0LAOJUN', event_ts: event.ts, ...event },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${t.url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(SIGNING_SECRET, body, timestamp),
      ...(retryNum ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
    },
    body,
  });
  await res.text();
  return res.status;
}

/** What a user types into Slack: the message exists in the fake, its ts goes into the event. */
function says(t: TestBot, user: string, text: string, threadTs?: string) {
  const m = t.slack.postAsUser(CHANNEL, user, text, threadTs);
  return { user, text, ts: m.ts, ...(threadTs ? { thread_ts: threadTs } : {}) };
}

/**
 * Slash commands cannot be used in Slack threads, so responders mention the bot in an incident's
 * thread with a command: it runs through the slash-command path (permission, audit, queue), is
 * answered in the thread, and the run is in the incident's timeline with who ran it.
 */
describe('commands by mention in an incident thread', () => {
  let t: TestBot;
  let root: FakeMessage;

  beforeAll(async () => {
    t = await startTestBot({
      CONFIG_FILE: configFile('permissions:\n  admins: [U0SRE]\n  channels: [C0INCIDENT]\n'),
    });
    const firing = freshFixture('ServiceDown-firing', new Date(Date.now() - 120_000));
    expect((await postAlerts(t.url, firing)).status).toBe(200);
    root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')), 20_000);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  /** What the bot showed one user only (chat.postEphemeral). */
  const ephemeralsTo = (user: string) => t.slack.ephemerals.filter((e) => e.user === user);

  const mentionRuns = async () =>
    (
      await t.bot.deps.pool.query(
        "SELECT actor, data FROM incident_events WHERE kind = 'command' AND data->>'command' = 'incidents'",
      )
    ).rows as Array<{ actor: string; data: { jobId: string; args: string } }>;

  it('runs the command once (a retried event runs nothing again), answers in the thread, records who ran it', async () => {
    const event = says(t, 'U0SRE', '<@U0LAOJUN> /incidents export --since 7d', root.ts);
    expect(await mention(t, 'Ev0MENTION1', event)).toBe(200);
    expect(await mention(t, 'Ev0MENTION1', event, 1)).toBe(200);

    const answer = await eventually(
      () => replies(t.slack, root).find((m) => textOf(m).includes('事件导出')),
      30_000,
      200,
    );
    expect(answer.thread_ts).toBe(root.ts);
    const runs = await eventually(async () => {
      const r = await mentionRuns();
      return r.length > 0 ? r : undefined;
    }, 20_000);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.actor).toBe('U0SRE');
    expect(runs[0]?.data.args).toBe('export --since 7d');

    // A later mention is answered after the retry was handled: the retry added nothing.
    await mention(t, 'Ev0MENTION2', says(t, 'U0SRE', '<@U0LAOJUN> nosuchcommand', root.ts));
    await eventually(
      () => ephemeralsTo('U0SRE').find((e) => (e.text ?? '').includes('未知命令')),
      20_000,
      200,
    );
    expect(replies(t.slack, root).filter((m) => textOf(m).includes('事件导出'))).toHaveLength(1);
    // The acknowledgement is the author's alone (as a slash command's is), in the thread: once.
    const acks = ephemeralsTo('U0SRE').filter((e) => (e.text ?? '').includes('正在执行 `/incidents'));
    expect(acks).toHaveLength(1);
    expect(acks[0]?.thread_ts).toBe(root.ts);
    expect(replies(t.slack, root).filter((m) => textOf(m).includes('正在执行'))).toEqual([]);
    expect(await mentionRuns()).toHaveLength(1);
    const audited = await t.bot.deps.pool.query(
      "SELECT count(*)::int AS n FROM command_audit WHERE command = 'incidents' AND user_id = 'U0SRE' AND outcome = 'ok'",
    );
    expect(audited.rows[0].n).toBe(1);

    // The incident report at resolution lists the run with who ran it.
    const resolved = freshFixture('ServiceDown-resolved', new Date(Date.now() - 120_000));
    expect((await postAlerts(t.url, resolved)).status).toBe(200);
    const report = await eventually(
      () => replies(t.slack, root).find((m) => textOf(m).includes('事件报告')),
      30_000,
      200,
    );
    expect(textOf(report)).toContain('<@U0SRE> 在线程中运行 /incidents export --since 7d');
  }, 90_000);

  it('refuses a user without the permission, only to them, and audits the refusal', async () => {
    await mention(t, 'Ev0MENTION3', says(t, 'U0INTERN', '<@U0LAOJUN> incidents export', root.ts));
    const refusal = await eventually(
      () => ephemeralsTo('U0INTERN').find((e) => (e.text ?? '').includes('incident:export')),
      20_000,
      200,
    );
    expect(refusal.text).toContain('你没有');
    expect(refusal.thread_ts).toBe(root.ts);
    expect(replies(t.slack, root).filter((m) => textOf(m).includes('incident:export'))).toEqual([]);
    const audited = await eventually(async () => {
      const r = await t.bot.deps.pool.query(
        "SELECT outcome FROM command_audit WHERE user_id = 'U0INTERN' AND command = 'incidents'",
      );
      return r.rows.length > 0 ? r.rows : undefined;
    }, 10_000);
    expect(audited).toEqual([{ outcome: 'denied' }]);
    expect((await mentionRuns()).filter((r) => r.actor === 'U0INTERN')).toHaveLength(0);
  }, 30_000);

  it('a mention outside an incident thread gets a hint and runs nothing', async () => {
    const { ts, ...rest } = says(t, 'U0SRE', '<@U0LAOJUN> incidents export');
    await mention(t, 'Ev0MENTION4', { ts, ...rest });
    const hint = await eventually(
      () => ephemeralsTo('U0SRE').find((e) => e.thread_ts === ts && (e.text ?? '').includes('事件线程')),
      20_000,
      200,
    );
    expect(hint.text).toContain('/status');
    expect(await mentionRuns()).toHaveLength(1);
  }, 30_000);
});
