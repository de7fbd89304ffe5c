import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bot, type BotOptions, createBot } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { FakeMessage, FakeSlack } from '../fakes/slack-api.ts';
import { logSink, SIGNING_SECRET, type TestBot } from './bot.ts';
import { postSigned } from './slack-sign.ts';

export const CHANNEL = 'C0INCIDENT';

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url), 'utf8'));
}

/** A CONFIG_FILE with the given YAML text; returns its path. */
export function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'laojun-incidents-'));
  const path = join(dir, 'config.yml');
  writeFileSync(path, yaml);
  return path;
}

export async function postAlerts(
  baseUrl: string,
  body: unknown,
  opts: { token?: string; raw?: string } = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${baseUrl}/alerts`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

/** A second bot process on the same schema, queue prefix and fake Slack as `first` (a replica). */
export async function startReplica(
  first: TestBot,
  env: Record<string, string> = {},
  options: BotOptions = {},
): Promise<Bot> {
  const lines: string[] = [];
  const config = loadConfig(
    {
      PORT: '0',
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: first.slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: first.slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: CHANNEL,
      DATABASE_URL: first.db.url,
      REDIS_URL: first.config.redisUrl,
      QUEUE_PREFIX: first.prefix,
      ALERT_WEBHOOK_TOKEN: first.config.alertWebhookToken,
      ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
      ...env,
    },
    { databaseSchema: first.db.schema },
  );
  const bot = await createBot(config, {
    logDestination: logSink(lines),
    shutdownTimeoutMs: 5_000,
    ...options,
  });
  await bot.start();
  return bot;
}

/** Top-level messages in the incident channel. */
export function roots(slack: FakeSlack): FakeMessage[] {
  return slack.channelMessages(CHANNEL);
}

export function replies(slack: FakeSlack, root: FakeMessage): FakeMessage[] {
  return slack.threadReplies(CHANNEL, root.ts);
}

/** All text of a message (fallback + blocks), for assertions on what a user reads. */
export function textOf(m: { text?: string; blocks?: unknown[] } | undefined): string {
  if (!m) return '';
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** The block_actions payload Slack sends for a button, select or checkbox on `message`. */
export function blockActionPayload(
  slack: FakeSlack,
  message: FakeMessage,
  action: Record<string, unknown>,
  user = 'U0SRE',
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: user, username: 'sre', name: 'sre', team_id: 'T0LAOJUN' },
    api_app_id: 'A0CHATOPS',
    token: 'deprecated',
    container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: slack.createTriggerId(),
    team: { id: 'T0LAOJUN', domain: 'laojun' },
    channel: { id: CHANNEL, name: 'incidents' },
    message: { ts: message.ts, text: message.text ?? '', blocks: message.blocks ?? [] },
    response_url: slack.createResponseUrl(),
    actions: [{ action_ts: String(Date.now() / 1000), ...action }],
  };
}

/** Signs and posts a block_actions payload as Slack does for a button, select or checkbox (to `url`: a replica). */
export async function clickAction(
  bot: TestBot,
  message: FakeMessage,
  action: Record<string, unknown>,
  user = 'U0SRE',
  url = bot.url,
): Promise<number> {
  const payload = blockActionPayload(bot.slack, message, action, user);
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const res = await postSigned(url, SIGNING_SECRET, body);
  return res.status;
}

/** Rows of a table in the bot's schema. */
export async function count(bot: TestBot, table: string): Promise<number> {
  const r = await bot.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return Number(r.rows[0].n);
}

/**
 * A fixture with its times moved: every alert starts at `startsAt`; resolved alerts end at `endsAt`
 * (default: now). Recorded fixtures are old, and flapping windows and durations are relative to now.
 */
export function freshFixture(name: string, startsAt: Date, endsAt = new Date()): Record<string, unknown> {
  const p = fixture(name);
  p.alerts = (p.alerts as Array<Record<string, unknown>>).map((a) => ({
    ...a,
    startsAt: startsAt.toISOString(),
    ...(a.status === 'resolved' ? { endsAt: endsAt.toISOString() } : {}),
  }));
  return p;
}

/** A group of its own: alertname `${name}`, one alert per instance. */
export function alertGroup(
  name: string,
  instances = 1,
  status: 'firing' | 'resolved' = 'firing',
  startsAt = new Date(Date.now() - 60_000),
) {
  const base = freshFixture(status === 'firing' ? 'ServiceDown-firing' : 'ServiceDown-resolved', startsAt);
  const template = (base.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
  const alerts = Array.from({ length: instances }, (_, i) => ({
    ...template,
    labels: { ...(template.labels as object), alertname: name, instance: `10.0.0.${i}:8080` },
    annotations: { summary: `${name} summary`, description: `${name} on 10.0.0.${i}` },
    fingerprint: `${name}-${i}`.padEnd(16, '0'),
  }));
  return {
    ...base,
    status,
    alerts,
    groupKey: `{}:{alertname="${name}"}`,
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, severity: 'critical' },
    commonAnnotations: {},
  };
}
