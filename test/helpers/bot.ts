import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { type Bot, type BotOptions, createBot } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { type TestSchema, uniqueName, withSchema } from './db.ts';
import { cleanupPrefix, testRedisUrl } from './redis.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface TestBot {
  bot: Bot;
  url: string;
  config: Config;
  slack: FakeSlack;
  db: TestSchema;
  prefix: string;
  /** Log lines the bot wrote (JSON). */
  logs: string[];
  stop(): Promise<void>;
}

/** A sink collecting pino's lines. */
export function logSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
}

/**
 * Starts a real bot (HTTP mode, or Socket Mode with `socketMode: true`) on a free port against the
 * machine's PostgreSQL and Redis, in its own schema and queue prefix, talking to a fresh fake Slack.
 */
export async function startTestBot(
  env: Record<string, string | undefined> = {},
  options: BotOptions & {
    slack?: never;
    fakeSlack?: FakeSlack;
    start?: boolean;
    databaseUrl?: string;
    /** SLACK_APP_TOKEN set (the fake's app-level token) and no signing secret: Socket Mode. */
    socketMode?: boolean;
  } = {},
): Promise<TestBot> {
  const slack = options.fakeSlack ?? (await startFakeSlack());
  const db = await withSchema({ prefix: 'bot', url: options.databaseUrl });
  const prefix = uniqueName('q');
  const logs: string[] = [];
  const config = loadConfig(
    {
      PORT: '0',
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: slack.token,
      ...(options.socketMode
        ? { SLACK_APP_TOKEN: slack.appToken }
        : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: 'C0INCIDENT',
      DATABASE_URL: db.url,
      REDIS_URL: env.REDIS_URL ?? testRedisUrl(),
      QUEUE_PREFIX: prefix,
      // Tests that check the webhook token set ALERT_WEBHOOK_TOKEN; the rest post without one.
      ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
      ...env,
    },
    { databaseSchema: db.schema },
  );
  const bot = await createBot(config, {
    logDestination: logSink(logs),
    shutdownTimeoutMs: 5_000,
    ...options,
  });
  if (options.start !== false) await bot.start();
  return {
    bot,
    get url() {
      return bot.url ?? '';
    },
    config,
    slack,
    db,
    prefix,
    logs,
    async stop() {
      await bot.stop().catch(() => {});
      if (!options.fakeSlack) await slack.close();
      const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      await cleanupPrefix(redis, prefix).catch(() => {});
      redis.disconnect();
      await db.drop().catch(() => {});
    },
  };
}

/** The shared polling helper, re-exported for the tests that import it from here. */
export { eventually } from './wait.ts';
