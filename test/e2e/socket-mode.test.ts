/**
 * Socket Mode end to end: the real bot started with SLACK_BOT_TOKEN + SLACK_APP_TOKEN (no signing
 * secret) opens its WebSocket through SLACK_API_URL on the fake Slack, which pushes envelopes the way
 * Slack does and records the acks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAck, type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { commandJobCount } from '../helpers/diagnostics.ts';
import {
  blockActionPayload,
  configFile,
  freshFixture,
  postAlerts,
  replies,
  roots,
  textOf,
} from '../helpers/incidents.ts';
import { type SlashCommandFields, slashCommandFields } from '../helpers/slack-sign.ts';
import { spawnBot } from '../helpers/spawn-bot.ts';

/** Waits for the bot's connection, then sends a slash command as Slack does in Socket Mode. */
async function command(
  slack: FakeSlack,
  f: Omit<SlashCommandFields, 'response_url'>,
): Promise<{ id: string; responseUrl: string }> {
  await eventually(() => slack.socket.openConnections().length > 0, 30_000);
  const responseUrl = slack.createResponseUrl();
  const id = slack.socket.send('slash_commands', slashCommandFields({ ...f, response_url: responseUrl }));
  return { id, responseUrl };
}

const ackOf = (slack: FakeSlack, id: string): Promise<FakeAck> =>
  eventually(() => slack.socket.ackOf(id), 15_000);

/** The bot's log lines saying it (re)connected. */
const connectedLogs = (t: TestBot) => t.logs.filter((l) => l.includes('slack socket mode connected')).length;

/** Successful apps.connections.open calls: one per (re)connection. */
const opens = (slack: FakeSlack) => slack.calls.filter((c) => c.method === 'apps.connections.open' && c.ok);

/** /status is acked, then answered on its response_url with the report. */
async function statusAnswered(t: TestBot): Promise<void> {
  const { id, responseUrl } = await command(t.slack, { command: '/status' });
  const ack = await ackOf(t.slack, id);
  expect(ack.payload?.response_type).toBe('ephemeral');
  expect(String(ack.payload?.text)).toContain('/status');
  const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)), 20_000);
  const body = answer.body as { text: string; blocks: Array<{ type: string }> };
  expect(body.text).toContain('太上老君平台状态');
  expect(body.blocks[0]?.type).toBe('header');
}

describe('Socket Mode: slash commands over the WebSocket', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({}, { socketMode: true });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('connects through SLACK_API_URL with the app-level token, acks /status and answers on its response_url', async () => {
    expect(t.config.slack.mode).toBe('socket');
    expect(t.config.slack.signingSecret).toBeUndefined();
    expect(opens(t.slack)).toHaveLength(1);
    expect(connectedLogs(t)).toBe(1);
    await statusAnswered(t);
    const audit = await eventually(async () => {
      const rows = await t.bot.deps.audit.recent({ command: 'status' });
      return rows.find((r) => r.outcome === 'ok');
    });
    expect(audit.user_id).toBe('U0SRE');
    expect(t.slack.rejected).toEqual([]);
  });

  it('answers bad arguments with the usage line in the ack, ephemeral, and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    const { id } = await command(t.slack, { command: '/status', text: 'no-such-service' });
    const ack = await ackOf(t.slack, id);
    expect(ack.payload?.response_type).toBe('ephemeral');
    expect(ack.payload?.text).toContain('用法：/status [service]');
    expect(ack.payload?.text).toContain('no-such-service');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('answers /status help in the ack with blocks Slack accepts', async () => {
    const { id } = await command(t.slack, { command: '/status', text: 'help' });
    const ack = await ackOf(t.slack, id);
    expect(JSON.stringify(ack.payload?.blocks)).toContain('/status laojun-admin-api');
    expect(t.slack.rejected).toEqual([]);
  });

  it('reconnects with a fresh URL when Slack asks for a refresh, and answers the next command', async () => {
    const before = opens(t.slack).length;
    const old = t.slack.socket.openConnections().at(-1);
    if (!old) throw new Error('not connected');
    t.slack.socket.disconnect('refresh_requested');
    const fresh = await eventually(
      () => t.slack.socket.openConnections().find((c) => c.index > old.index),
      30_000,
    );
    expect(t.slack.socket.connections[old.index]?.closedBy).toBe('client');
    expect(opens(t.slack).length).toBeGreaterThan(before);
    await eventually(() => connectedLogs(t) >= 2);
    expect(t.logs.some((l) => l.includes('slack socket mode reconnecting'))).toBe(true);
    await statusAnswered(t);
    expect(t.slack.socket.envelopes.at(-1)?.connection).toBe(fresh.index);
  });

  it('reconnects after the connection drops without a close frame, and answers the next command', async () => {
    const before = opens(t.slack).length;
    const old = t.slack.socket.openConnections().at(-1);
    if (!old) throw new Error('not connected');
    t.slack.socket.drop();
    await eventually(() => t.slack.socket.openConnections().find((c) => c.index > old.index), 30_000);
    expect(opens(t.slack).length).toBeGreaterThan(before);
    await statusAnswered(t);
  });

  it('keeps trying when apps.connections.open fails for a while during a reconnect, its gauge at 0 meanwhile', async () => {
    const old = t.slack.socket.openConnections().at(-1);
    if (!old) throw new Error('not connected');
    const gauge = async () =>
      /^laojun_slack_socket_connected (\d)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1];
    expect(await gauge()).toBe('1');
    t.slack.failNext('apps.connections.open', { status: 503 }, 2);
    t.slack.socket.drop();
    // Scraped while it is down, the replica says so (the ChatOpsSlackSocketDisconnected rule).
    await eventually(async () => (await gauge()) === '0', 15_000, 100);
    await eventually(() => t.slack.socket.openConnections().find((c) => c.index > old.index), 45_000);
    await eventually(async () => (await gauge()) === '1', 15_000, 100);
    const failed = t.slack.rejected.filter((c) => c.method === 'apps.connections.open');
    expect(failed.map((c) => c.status)).toEqual([503, 503]);
    await statusAnswered(t);
  });

  it('still serves health and metrics over HTTP, but no /slack/events', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('laojun_commands_total{command="status",outcome="queued"}');
    const events = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fstatus',
    });
    expect(events.status).toBe(404);
  });
});

describe('Socket Mode: incident buttons', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot(
      {
        CONFIG_FILE: configFile(
          'incidents:\n  evidence: { ServiceDown: [], HighErrorRate: [], DiskSpaceHigh: [], DatabaseConnectionHigh: [] }\n',
        ),
      },
      { socketMode: true },
    );
  });
  afterAll(async () => {
    await t.stop();
  });

  it('an Acknowledge click arriving as an interactive envelope is acked and acknowledges the incident', async () => {
    const alerts = freshFixture('ServiceDown-firing', new Date(Date.now() - 60_000));
    expect((await postAlerts(t.url, alerts)).status).toBe(200);
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')));
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    expect(textOf(root)).toContain('incident_ack');

    await eventually(() => t.slack.socket.openConnections().length > 0, 30_000);
    const envelope = t.slack.socket.send(
      'interactive',
      blockActionPayload(t.slack, root, {
        action_id: 'incident_ack',
        block_id: `incident:${id}`,
        value: id,
        type: 'button',
      }),
    );
    await ackOf(t.slack, envelope);
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('<@U0SRE> 已确认')), 20_000);
    const row = await t.db.pool.query('SELECT time_to_ack_ms FROM incidents WHERE id = $1', [Number(id)]);
    expect(row.rows[0].time_to_ack_ms).not.toBeNull();
    expect(t.slack.rejected.filter((c) => c.status !== 429)).toEqual([]);
  });
});

describe('Socket Mode: a wrong app-level token', () => {
  it('stops the start, naming what Slack answered', async () => {
    const t = await startTestBot(
      { SLACK_APP_TOKEN: 'xapp-1-A0CHATOPS-1-revoked' },
      { socketMode: true, start: false },
    );
    try {
      await expect(t.bot.start()).rejects.toThrow(/invalid_auth/);
      expect(t.slack.socket.connections).toHaveLength(0);
    } finally {
      await t.stop();
    }
  });
});

describe('Socket Mode: every reconnect refused (app token revoked)', () => {
  it('stops like on SIGTERM and exits 1 so the supervisor restarts it, saying why', async () => {
    const slack = await startFakeSlack();
    const bot = await spawnBot({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      LOG_LEVEL: 'info',
    });
    try {
      await eventually(() => slack.socket.openConnections().length > 0, 30_000);
      slack.failFor('apps.connections.open', { error: 'invalid_auth' }, 120_000);
      const exited = new Promise<number | null>((r) => bot.child.once('exit', (code) => r(code)));
      slack.socket.drop();
      // @slack/socket-mode leaves the refused reconnect's promise unhandled; the bot shuts down in order.
      expect(await exited).toBe(1);
      const out = bot.output().join('\n');
      expect(out).toContain('unhandled promise rejection; stopping so that the bot is restarted');
      expect(out).toContain('invalid_auth');
      expect(out).toContain('"signal":"unhandledRejection"');
    } finally {
      await bot.stop();
      await slack.close();
    }
  }, 90_000);
});
