import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import oncallCommand from '../../commands/oncall.ts';
import type { Bot } from '../../src/app.ts';
import { collectDigest } from '../../src/digest/collect.ts';
import { digestReport } from '../../src/digest/render.ts';
import { handleIncidentAction } from '../../src/incidents/actions.ts';
import { fireDue, planSteps } from '../../src/oncall/engine.ts';
import { renderText } from '../../src/report/text.ts';
import { type FakeMessage, type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import {
  alertGroup,
  CHANNEL,
  clickAction,
  configFile,
  postAlerts,
  replies,
  roots,
  startReplica,
  textOf,
} from '../helpers/incidents.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const TOKEN = 'alert-webhook-token-0123456789';
const PAGER_TOKEN = 'pager-gateway-token-0123456789';
const PRIMARY = 'U0PRIMARY';
const SECONDARY = 'U0SECOND';

/** A weekly rotation that started today in Shanghai: PRIMARY is on call, SECONDARY is next. */
function oncallYaml(webhookUrl: string, steps = '0s 2s 4s 6s', reminders = '2s'): string {
  const [a, b, c, d] = steps.split(' ');
  const today = DateTime.now().setZone('Asia/Shanghai').toISODate();
  return `permissions:
  admins: [U0SRE]
oncall:
  tickSeconds: 0.2
  opsGroup: S0OPS
  reminders: { after: ${reminders}, every: ${reminders} }
  schedules:
    - name: platform
      timeZone: Asia/Shanghai
      userGroup: S0ONCALL
      covers: { service: [laojun-admin-api] }
      layers:
        - users: [${PRIMARY}, ${SECONDARY}]
          rotation: 1w
          handoff: "00:00"
          start: ${today}
  policies:
    critical:
      - { after: ${a}, notify: primary }
      - { after: ${b}, notify: secondary, webhook: { url: "${webhookUrl}/page", tokenEnv: PAGER_TOKEN } }
      - { after: ${c}, notify: usergroup }
      - { after: ${d}, notify: here }
    warning:
      - { after: 0s, notify: primary }
      - { after: 20s, notify: secondary }
      - { after: 40s, notify: usergroup }
`;
}

async function dmChannels(t: TestBot): Promise<Map<string, string>> {
  const r = await t.db.pool.query(
    `SELECT d.target, d.posted_ts FROM oncall_deliveries d WHERE d.kind = 'dm' AND d.posted_ts IS NOT NULL`,
  );
  const out = new Map<string, string>();
  for (const row of r.rows) {
    const m = t.slack.messages.find((x) => x.ts === row.posted_ts && x.channel.startsWith('D'));
    if (m) out.set(String(row.target), m.channel);
  }
  return out;
}

const threadText = (slack: FakeSlack, root: FakeMessage) => replies(slack, root).map((m) => textOf(m));
const count = (texts: string[], needle: string) => texts.filter((x) => x.includes(needle)).length;

async function stepEvents(t: TestBot, incidentId: number): Promise<Array<{ step: number; page: string }>> {
  const r = await t.db.pool.query(
    "SELECT data FROM incident_events WHERE incident_id = $1 AND kind = 'oncall_page' ORDER BY id",
    [incidentId],
  );
  return r.rows.map((x) => ({ step: Number(x.data.step), page: String(x.data.page) }));
}

async function incidentIdOf(t: TestBot, alertname: string): Promise<number> {
  const id = await eventually(async () => {
    const r = await t.db.pool.query('SELECT id FROM incidents WHERE alertname = $1', [alertname]);
    return r.rows[0]?.id as string | undefined;
  });
  return Number(id);
}

describe('on call: notify, escalate, acknowledge, remind', () => {
  let t: TestBot;
  let receiver: WebhookReceiver;
  let slack: FakeSlack;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    slack = await startFakeSlack();
    slack.setUserGroup('S0ONCALL', ['U0SOMEONE']);
    t = await startTestBot(
      { ALERT_WEBHOOK_TOKEN: TOKEN, PAGER_TOKEN, CONFIG_FILE: configFile(oncallYaml(receiver.url)) },
      { scheduleRefreshMs: 1_000, fakeSlack: slack },
    );
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await slack?.close();
    await receiver?.close();
  });

  it('notifies the on-call person in the thread and by DM, ticks 通知相关人员, then climbs every step once', async () => {
    expect((await postAlerts(t.url, alertGroup('OncallFull'), { token: TOKEN })).status).toBe(200);
    const id = await incidentIdOf(t, 'OncallFull');
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('OncallFull')));

    // Notify: a mention in the thread, a DM with a link to the thread, the checklist ticked by the bot.
    await eventually(() => count(threadText(t.slack, root), `<@${PRIMARY}>`) > 0, 30_000);
    const dm = await eventually(async () => (await dmChannels(t)).get(PRIMARY), 30_000);
    const dmMessages = t.slack.channelMessages(dm);
    expect(dmMessages).toHaveLength(1);
    expect(textOf(dmMessages[0])).toContain(
      `https://slack.com/archives/${CHANNEL}/p${root.ts.replace('.', '')}`,
    );
    const inc = await t.db.pool.query('SELECT checklist FROM incidents WHERE id = $1', [id]);
    expect(inc.rows[0].checklist['immediate_actions:1']).toMatchObject({ by: 'laojun-bot' });
    const checklist = await eventually(
      () =>
        replies(t.slack, root).find(
          (m) => textOf(m).includes('机器人') && textOf(m).includes('通知相关人员'),
        ),
      30_000,
    );
    expect(checklist).toBeTruthy();

    // Escalation: secondary (+ the webhook), the ops group, then @here — each once, in order.
    await eventually(() => count(threadText(t.slack, root), '<!here>') > 0, 30_000);
    const texts = threadText(t.slack, root);
    expect(count(texts, `<@${SECONDARY}>`)).toBe(1);
    expect(count(texts, '<!subteam^S0OPS>')).toBe(1);
    expect(count(texts, '<!here>')).toBe(1);
    expect((await stepEvents(t, id)).map((e) => e.step)).toEqual([0, 1, 2, 3]);
    const hook = await receiver.waitFor((r) => r.path === '/page', 30_000);
    expect(hook.headers.authorization).toBe(`Bearer ${PAGER_TOKEN}`);
    expect(hook.headers['idempotency-key']).toMatch(/^laojun-oncall-page-\d+$/);
    expect(hook.json).toMatchObject({
      incident: { id, alertname: 'OncallFull', severity: 'critical' },
      step: { number: 2, notify: 'secondary' },
      links: { thread: expect.stringContaining('/archives/') },
    });
    const secondDm = await eventually(async () => (await dmChannels(t)).get(SECONDARY), 30_000);
    expect(t.slack.channelMessages(secondDm)).toHaveLength(1);
    // The user group follows whoever is on call.
    await eventually(() =>
      t.slack.calls.some((c) => c.method === 'usergroups.users.update' && c.ok && c.body.users === PRIMARY),
    );
    expect(t.slack.rejected.filter((c) => c.method !== 'conversations.history')).toEqual([]);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      return /laojun_oncall_deliveries_total\{kind="webhook",outcome="delivered"\} 1/.test(text) && text;
    });
    expect(metrics).toMatch(/laojun_oncall_pages_total\{kind="step",outcome="fired"\} [4-9]/);
    expect(metrics).toContain('laojun_oncall_page_lateness_seconds_bucket');
  }, 90_000);

  it('acknowledging stops the escalation at once; reminders then mention the acknowledger until resolved', async () => {
    // A warning: its policy climbs slowly (20 s), so the acknowledgement surely comes first.
    const warning = alertGroup('OncallAck');
    warning.commonLabels = { ...warning.commonLabels, severity: 'warning' };
    expect((await postAlerts(t.url, warning, { token: TOKEN })).status).toBe(200);
    const id = await incidentIdOf(t, 'OncallAck');
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('OncallAck')));
    await eventually(() => count(threadText(t.slack, root), `<@${PRIMARY}>`) > 0, 30_000);
    expect(
      await clickAction(t, root, {
        action_id: 'incident_ack',
        block_id: `incident:${id}`,
        type: 'button',
        value: String(id),
      }),
    ).toBe(200);
    await eventually(() => count(threadText(t.slack, root), '⏹') > 0, 30_000);
    // Two reminders mentioning the acknowledger (2 s after the ack, then every 2 s).
    await eventually(() => count(threadText(t.slack, root), '⏰ 提醒 <@U0SRE>') >= 2, 30_000);
    // No step fired once the acknowledgement was in; every later one was cancelled by it.
    const pages = await t.db.pool.query(
      `SELECT p.step, p.fired_at, p.cancel_reason, i.acked_at FROM oncall_pages p JOIN incidents i ON i.id = p.incident_id
        WHERE p.incident_id = $1 AND p.kind = 'step' ORDER BY p.step`,
      [id],
    );
    const ackedAt = pages.rows[0].acked_at as Date;
    for (const p of pages.rows) {
      if (p.fired_at) expect((p.fired_at as Date).getTime()).toBeLessThanOrEqual(ackedAt.getTime());
      else expect(p.cancel_reason).toBe('acknowledged');
    }
    expect(pages.rows.at(-1)?.cancel_reason).toBe('acknowledged');
    const fired = pages.rows.filter((p) => p.fired_at).length;
    expect(count(threadText(t.slack, root), '⏫')).toBe(fired - 1);

    // Resolving cancels what is pending: no reminder after it.
    expect(
      await clickAction(t, root, {
        action_id: 'incident_resolve',
        block_id: `incident:${id}`,
        type: 'button',
        value: String(id),
      }),
    ).toBe(200);
    await eventually(async () => {
      const r = await t.db.pool.query(
        'SELECT count(*)::int AS n FROM oncall_pages WHERE incident_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL',
        [id],
      );
      return r.rows[0].n === 0;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2_500)); // one reminder interval: nothing may fire
    const late = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM oncall_pages p JOIN incidents i ON i.id = p.incident_id
        WHERE p.incident_id = $1 AND p.fired_at > i.resolved_at`,
      [id],
    );
    expect(late.rows[0].n).toBe(0);
  }, 90_000);

  it('a group that resolves and fires again (flapping) pages again, from its reopening', async () => {
    expect((await postAlerts(t.url, alertGroup('OncallFlap'), { token: TOKEN })).status).toBe(200);
    const id = await incidentIdOf(t, 'OncallFlap');
    const notified = async () => (await stepEvents(t, id)).filter((e) => e.step === 0).length;
    await eventually(async () => (await notified()) === 1, 30_000);
    expect((await postAlerts(t.url, alertGroup('OncallFlap', 1, 'resolved'), { token: TOKEN })).status).toBe(
      200,
    );
    await eventually(async () => {
      const r = await t.db.pool.query("SELECT status FROM incidents WHERE id = $1 AND status = 'resolved'", [
        id,
      ]);
      return r.rowCount === 1;
    });
    expect(
      (await postAlerts(t.url, alertGroup('OncallFlap', 1, 'firing', new Date()), { token: TOKEN })).status,
    ).toBe(200);
    await eventually(async () => (await notified()) === 2, 30_000);
    const keys = await t.db.pool.query(
      "SELECT key FROM oncall_pages WHERE incident_id = $1 AND kind = 'step' ORDER BY id",
      [id],
    );
    expect(keys.rows.map((r) => r.key)).toEqual([
      'step:0',
      'step:1',
      'step:2',
      'step:3',
      'step:1:0',
      'step:1:1',
      'step:1:2',
      'step:1:3',
    ]);
    // Stop it here: resolving cancels the rest.
    expect((await postAlerts(t.url, alertGroup('OncallFlap', 1, 'resolved'), { token: TOKEN })).status).toBe(
      200,
    );
  }, 60_000);

  it('/oncall shows now and next; an override from Slack takes over and is stored in PostgreSQL', async () => {
    const ctx = { deps: t.bot.deps, user: { id: 'U0TAKER' }, source: 'slack' as const };
    const show = await oncallCommand.run(
      oncallCommand.args.parse({ positional: ['laojun-admin-api'], flags: {} }),
      ctx,
    );
    expect(show.data).toMatchObject([{ schedule: 'platform', now: PRIMARY, next: SECONDARY }]);
    const take = await oncallCommand.run(
      oncallCommand.args.parse({ positional: ['take', 'platform', '12h'], flags: {} }),
      ctx,
    );
    expect(take.data).toMatchObject({ schedule: 'platform', user: 'U0TAKER' });
    const after = await oncallCommand.run(oncallCommand.args.parse({ positional: [], flags: {} }), ctx);
    expect(after.data).toMatchObject([{ now: 'U0TAKER', source: 'override' }]);
    const rows = await t.db.pool.query('SELECT user_id, created_by FROM oncall_overrides');
    expect(rows.rows).toEqual([{ user_id: 'U0TAKER', created_by: 'U0TAKER' }]);
    // A new incident now pages the override.
    expect((await postAlerts(t.url, alertGroup('OncallOverride'), { token: TOKEN })).status).toBe(200);
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('OncallOverride')));
    await eventually(() => count(threadText(t.slack, root), '<@U0TAKER>') > 0, 30_000);
    const { id } = take.data as { id: number };
    await oncallCommand.run(oncallCommand.args.parse({ positional: ['cancel', String(id)], flags: {} }), ctx);
    const back = await oncallCommand.run(oncallCommand.args.parse({ positional: [], flags: {} }), ctx);
    expect(back.data).toMatchObject([{ now: PRIMARY }]);

    // The daily digest names today's on-call and lists open incidents nobody has touched for long.
    // Its escalation may still be adding events: age them all again until a digest sees it quiet.
    const text = await eventually(
      async () => {
        await t.db.pool.query(
          "UPDATE incident_events SET at = now() - interval '5 hours' WHERE incident_id = (SELECT id FROM incidents WHERE alertname = 'OncallOverride')",
        );
        const data = await collectDigest(t.bot.deps);
        const rendered = renderText(digestReport(data, { t: t.bot.deps.t, timeZone: 'Asia/Shanghai' }));
        return /OncallOverride：\d+ 分钟无动态/.test(rendered) ? rendered : undefined;
      },
      20_000,
      500,
    );
    expect(text).toContain('今日值班');
    expect(text).toContain(`@${PRIMARY}`);
    expect(text).toMatch(/OncallOverride：\d+ 分钟无动态/);
  }, 60_000);
  it('/oncall from Slack: anyone sees who is on call; an override needs oncall:override', async () => {
    const slash = async (text: string, user: string) => {
      const responseUrl = t.slack.createResponseUrl();
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({
          command: '/oncall',
          text,
          user_id: user,
          channel_id: 'C0OPS',
          response_url: responseUrl,
        }),
      );
      expect(res.status).toBe(200);
      return { ack: res.body, id: responseUrl.split('/').at(-1) as string };
    };
    const refused = await slash('take platform 12h', 'U0ALICE');
    expect(refused.ack).toContain('oncall:override');
    expect(
      await t.db.pool.query("SELECT 1 FROM oncall_overrides WHERE created_by = 'U0ALICE'"),
    ).toMatchObject({
      rowCount: 0,
    });
    // An admin puts someone else on call, naming them with a mention as Slack escapes it.
    await slash('take platform 1h --user <@U0BOB|bob>', 'U0SRE');
    await eventually(
      async () => (await t.db.pool.query("SELECT 1 FROM oncall_overrides WHERE user_id = 'U0BOB'")).rowCount,
    );
    const shown = await slash('', 'U0ALICE');
    const answer = await eventually(() => t.slack.responses.find((r) => r.id === shown.id), 20_000);
    expect(JSON.stringify(answer.body)).toContain('@U0BOB');
    await t.db.pool.query("UPDATE oncall_overrides SET cancelled_at = now() WHERE user_id = 'U0BOB'");
  }, 40_000);
});

describe('on call: exactness', () => {
  it('no step fires after an acknowledgement, with two replicas firing at once past every due time (race)', async () => {
    const t = await startTestBot(
      {
        ALERT_WEBHOOK_TOKEN: TOKEN,
        PAGER_TOKEN,
        CONFIG_FILE: configFile(
          oncallYaml('http://127.0.0.1:9', '0s 3s 4s 5s').replace('tickSeconds: 0.2', 'tickSeconds: 60'),
        ),
      },
      { start: true },
    );
    try {
      const deps = t.bot.deps;
      const config = deps.config.file.oncall as NonNullable<typeof deps.config.file.oncall>;
      const kinds = async (id: number) =>
        (
          await t.db.pool.query(
            "SELECT kind, data FROM incident_events WHERE incident_id = $1 AND kind IN ('acknowledged', 'oncall_page') ORDER BY id",
            [id],
          )
        ).rows.map((r) => (r.kind === 'acknowledged' ? 'ack' : `step${r.data.step}`));
      for (let round = 0; round < 6; round += 1) {
        const name = `OncallRace${round}`;
        expect((await postAlerts(t.url, alertGroup(name), { token: TOKEN })).status).toBe(200);
        const id = await incidentIdOf(t, name);
        const created = (await t.db.pool.query('SELECT created_at FROM incidents WHERE id = $1', [id]))
          .rows[0].created_at as Date;
        await planSteps(deps, config, new Date());
        // Two "replicas" fire with a clock past every due time while the acknowledgement lands:
        // before it (odd rounds: at the same moment) or just after it (even rounds).
        const due = new Date(created.getTime() + 10_000);
        const ack = () =>
          handleIncidentAction(deps, { action_id: 'incident_ack', value: String(id) }, { userId: 'U0SRE' });
        if (round % 2 === 0) {
          await ack();
          await Promise.all([fireDue(deps, config, due), fireDue(deps, config, due)]);
          // Acknowledged before anything was due: nothing fired at all.
          expect(await kinds(id)).toEqual(['ack']);
        } else {
          await Promise.all([ack(), fireDue(deps, config, due), fireDue(deps, config, due)]);
          await Promise.all([fireDue(deps, config, due), fireDue(deps, config, due)]);
          // Whatever fired was committed before the acknowledgement; nothing after it; each step once.
          const seq = await kinds(id);
          expect(seq.at(-1)).toBe('ack');
          expect(new Set(seq).size).toBe(seq.length);
        }
        const pending = await t.db.pool.query(
          'SELECT count(*)::int AS n FROM oncall_pages WHERE incident_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL',
          [id],
        );
        expect(pending.rows[0].n).toBe(0);
      }
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('two replicas, a restart and a Redis flush mid-escalation: every step once, every DM once, through Slack 5xx and 429', async () => {
    const receiver = await startWebhookReceiver();
    const env = {
      ALERT_WEBHOOK_TOKEN: TOKEN,
      PAGER_TOKEN,
      CONFIG_FILE: configFile(oncallYaml(receiver.url, '0s 3s 6s 9s', '1h')),
    };
    const first = await startTestBot(env, { scheduleRefreshMs: 1_000 });
    let replica: Bot | undefined;
    let third: Bot | undefined;
    try {
      replica = await startReplica(first, env, { scheduleRefreshMs: 1_000 });
      // Slack fails the way it does: a committed 5xx (posted, then the edge failed) and a 429.
      first.slack.failNext('chat.postMessage', { status: 503, committed: true }, 1);
      receiver.setStatus(502);
      expect((await postAlerts(first.url, alertGroup('OncallHa'), { token: TOKEN })).status).toBe(200);
      const id = await incidentIdOf(first, 'OncallHa');
      const root = await eventually(
        () => roots(first.slack).find((m) => textOf(m).includes('OncallHa')),
        15_000,
      );
      await eventually(() => count(threadText(first.slack, root), `<@${PRIMARY}>`) > 0, 30_000);
      first.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);

      // Redis loses everything; the first replica restarts (a new process on the same state).
      const { Redis } = await import('ioredis');
      const redis = new Redis(first.config.redisUrl);
      await cleanupPrefix(redis, first.prefix);
      redis.disconnect();
      await first.bot.stop();
      third = await startReplica(first, env, { scheduleRefreshMs: 1_000 });
      // The gateway fails the step's first POST (502); the retry goes through.
      await receiver.waitFor((r) => r.path === '/page', 20_000);
      receiver.setStatus(200);

      await eventually(() => count(threadText(first.slack, root), '<!here>') > 0, 30_000);
      const texts = threadText(first.slack, root);
      expect(count(texts, `<@${SECONDARY}>`)).toBe(1);
      expect(count(texts, '<!subteam^S0OPS>')).toBe(1);
      expect(count(texts, '<!here>')).toBe(1);
      expect((await stepEvents(first, id)).map((e) => e.step)).toEqual([0, 1, 2, 3]);
      const channels = await eventually(async () => {
        const c = await dmChannels(first);
        return c.size === 2 ? c : undefined;
      }, 30_000);
      for (const ch of channels.values()) expect(first.slack.channelMessages(ch)).toHaveLength(1);
      // The webhook was retried after its 502 until it answered 200, with one Idempotency-Key.
      await receiver.waitFor(
        (r) => r.path === '/page' && receiver.requests.filter((x) => x.path === '/page').length >= 2,
        30_000,
      );
      const keys = new Set(
        receiver.requests.filter((r) => r.path === '/page').map((r) => r.headers['idempotency-key']),
      );
      expect(keys.size).toBe(1);
    } finally {
      if (process.env.ONCALL_DEBUG)
        console.log((await first.db.pool.query('SELECT * FROM oncall_deliveries')).rows);
      await replica?.stop();
      await third?.stop();
      await first.stop();
      await receiver.close();
    }
  }, 90_000);
});

describe('on call in an alert storm', () => {
  let t: TestBot | undefined;
  afterAll(async () => {
    await t?.stop();
  });

  it('pages for the groups before the storm, not for each group listed in the storm message', async () => {
    const today = DateTime.now().setZone('Asia/Shanghai').toISODate();
    t = await startTestBot({
      ALERT_WEBHOOK_TOKEN: TOKEN,
      CONFIG_FILE: configFile(`incidents:
  storm: { maxNewIncidents: 1 }
oncall:
  tickSeconds: 0.2
  schedules:
    - name: platform
      timeZone: Asia/Shanghai
      layers: [{ users: [${PRIMARY}, ${SECONDARY}], rotation: 1w, start: ${today} }]
  policies:
    critical:
      - { after: 0s, notify: primary }
      - { after: 1h, notify: secondary }
`),
    });
    const bot = t;
    for (const name of ['BeforeStorm', 'InStorm1', 'InStorm2'])
      expect((await postAlerts(bot.url, alertGroup(name), { token: TOKEN })).status).toBe(200);
    const before = await incidentIdOf(bot, 'BeforeStorm');
    const stormed = [await incidentIdOf(bot, 'InStorm1'), await incidentIdOf(bot, 'InStorm2')];
    const inStorm = await bot.db.pool.query(
      'SELECT count(*)::int AS n FROM incidents WHERE storm_id IS NOT NULL',
    );
    expect(inStorm.rows[0].n).toBe(2);

    // Every group is known: one planning pass now (the ticker's may have run before some arrived)
    // plans whatever is to be paged.
    const deps = bot.bot.deps;
    await planSteps(deps, deps.config.file.oncall as NonNullable<typeof deps.config.file.oncall>, new Date());
    // The group before the storm is paged.
    await eventually(async () => (await stepEvents(bot, before)).length > 0, 20_000);
    const pages = await bot.db.pool.query(
      'SELECT incident_id, count(*)::int AS n FROM oncall_pages GROUP BY incident_id',
    );
    expect(pages.rows.map((r) => Number(r.incident_id))).toEqual([before]);
    for (const id of stormed) expect(await stepEvents(bot, id)).toEqual([]);
    // One DM to the person on call, not one per group.
    const dms = await eventually(async () => {
      const m = await dmChannels(bot);
      return m.size > 0 ? m : undefined;
    }, 20_000);
    expect(bot.slack.channelMessages(dms.get(PRIMARY) ?? '')).toHaveLength(1);
  }, 60_000);
});
