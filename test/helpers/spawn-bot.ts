/**
 * The bot as its own process, started as `npm start` would (benchmarks, so the load generator does
 * not share its event loop; crash tests, which kill it). Its own schema and queue prefix, or another
 * bot's to act as a replica.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { quoteIdent, testDatabaseUrl, uniqueName } from './db.ts';
import { freePort } from './ports.ts';
import { cleanupPrefix, testRedisUrl } from './redis.ts';

export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789';

export interface SpawnedBot {
  url: string;
  schema: string;
  prefix: string;
  child: ChildProcess;
  /** The last lines the bot wrote to stdout (its JSON log). */
  output(): string[];
  stop(): Promise<void>;
}

/** Waits until `GET <url>/healthz` answers 2xx (30 s at most). */
export async function waitHealthy(url: string, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    if (
      await fetch(`${url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function spawnBot(
  env: Record<string, string>,
  shared: { schema?: string; prefix?: string; compiled?: boolean } = {},
): Promise<SpawnedBot> {
  const port = await freePort();
  const schema = shared.schema ?? uniqueName('bench');
  const prefix = shared.prefix ?? uniqueName('bench');
  // `compiled`: the JavaScript in dist/ (what `npm start` and the image run; build it first).
  const args = shared.compiled ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_SCHEMA: schema,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
      // Callers that check the webhook token set ALERT_WEBHOOK_TOKEN; the rest post without one.
      ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 500) lines.splice(0, lines.length - 500);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 'bot');
  return {
    url,
    schema,
    prefix,
    child,
    output: () => [...lines],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      // A replica sharing another's state leaves the cleanup to the first.
      if (shared.schema) return;
      const redis = new Redis(testRedisUrl());
      await cleanupPrefix(redis, prefix);
      await redis.quit();
      const client = new pg.Client(testDatabaseUrl());
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await client.end();
    },
  };
}
