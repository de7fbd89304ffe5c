import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { quoteIdent, testDatabaseUrl, uniqueName } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
});

function startBot(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d) => {
    out.stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    out.stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

// Each test spawns the bot under tsx, which compiles it at start: slow on a loaded two-core machine.
/** Drops a schema a spawned bot created (it made it itself, so withSchema's cleanup does not know it). */
async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await client.end();
}

describe('the bot process', { timeout: 90_000 }, () => {
  it('stops at start with one line naming a missing setting', async () => {
    // With Slack the bot's database must be named (console mode defaults to the local server).
    const { out, exited } = startBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' });
    expect(await exited).toBe(78);
    expect(out.stderr.trim()).toBe('laojun-chatops: configuration error: DATABASE_URL is required');
  });

  it('starts in console mode with no DATABASE_URL, on the local server’s postgres database', async () => {
    const port = await freePort();
    const schema = uniqueName('proc_local');
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    onTestFinished(() => dropSchema(local, schema));
    const { child, out, exited } = startBot({
      DATABASE_SCHEMA: schema,
      PORT: String(port),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniqueName('proc'),
    });
    // Generous: tsx compiles the bot at start, slow on a loaded two-core machine.
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 45_000, 200);
    expect(out.stdout).toContain('console mode: DATABASE_URL is not set, using the local PostgreSQL');
    expect(out.stdout).toContain('"environment":"development"');
    const client = new pg.Client(local);
    await client.connect();
    const tables = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1', [schema]);
    await client.end();
    expect(tables.rowCount).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses to start outside console mode without ALERT_WEBHOOK_TOKEN (exit 78, naming it)', async () => {
    const { out, exited } = startBot({
      DATABASE_URL: testDatabaseUrl(),
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'a-signing-secret',
    });
    expect(await exited).toBe(78);
    expect(out.stderr).toMatch(/^laojun-chatops: configuration error: ALERT_WEBHOOK_TOKEN is required/);
    expect(out.stderr).toContain('ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true');
  });

  it('refuses at start a BACKUP_DIR that is a file (exit 78, naming it), not at the first backup', async () => {
    const dir = makeTempDir('backup-dir');
    onTestFinished(() => dir.remove());
    const file = join(dir.path, 'not-a-directory');
    writeFileSync(file, 'x');
    const { out, exited } = startBot({
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      BACKUP_DIR: file,
    });
    expect(await exited).toBe(78);
    expect(out.stderr.trim()).toMatch(
      /^laojun-chatops: configuration error: BACKUP_DIR invalid: backup directory is not writable: .*not-a-directory/,
    );
  });

  it('warns at start when /alerts is explicitly left unauthenticated', async () => {
    const { startFakeSlack } = await import('../fakes/slack-api.ts');
    const slack = await startFakeSlack();
    const port = await freePort();
    const schema = uniqueName('open');
    const prefix = uniqueName('open');
    onTestFinished(async () => {
      await slack.close();
      await dropSchema(testDatabaseUrl(), schema);
      const { Redis } = await import('ioredis');
      const redis = new Redis(testRedisUrl());
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    });
    const { child, out, exited } = startBot({
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_SCHEMA: schema,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_SIGNING_SECRET: 'a-signing-secret',
      ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
    });
    await eventually(() => out.stdout.includes('laojun chatops started'), 45_000, 100);
    const line = out.stdout.split('\n').find((l) => l.includes('ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'warn' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad on-call schedule at start (exit 78), naming the setting', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'laojun-oncall-')), 'bad.yml');
    writeFileSync(
      file,
      'oncall:\n  schedules:\n    - name: platform\n      timeZone: Asia/Shanghai\n      layers:\n        - { users: [alice], rotation: 1w }\n',
    );
    const { out, exited } = startBot({ DATABASE_URL: testDatabaseUrl(), CONFIG_FILE: file });
    expect(await exited).toBe(78);
    expect(out.stderr).toContain('oncall.schedules.0.layers.0.users.0: expected a Slack user ID');
  });

  it('starts in console mode without a Slack token and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const schema = uniqueName('proc');
    onTestFinished(async () => {
      await dropSchema(testDatabaseUrl(), schema);
    });
    const { child, out, exited } = startBot({
      DATABASE_SCHEMA: schema,
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniqueName('proc'),
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 45_000, 200);
    expect(out.stdout).toContain('"mode":"console"');
    expect(out.stdout).toContain('"service":"laojun-chatops"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stdout).toContain('laojun chatops stopped');
    // No longer listening.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('SIGTERM under load', { timeout: 90_000 }, () => {
  it('finishes in-flight requests and running jobs, accepts nothing new, and exits 0', async () => {
    const { startFakeSlack } = await import('../fakes/slack-api.ts');
    const { postSigned, slashCommandBody } = await import('../helpers/slack-sign.ts');
    const slack = await startFakeSlack();
    const port = await freePort();
    const schema = uniqueName('term');
    onTestFinished(async () => {
      await slack.close();
      await dropSchema(testDatabaseUrl(), schema);
    });
    const secret = 'term-signing-secret';
    const prefix = uniqueName('term');
    const { child, exited } = startBot({
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_SCHEMA: schema,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_SIGNING_SECRET: secret,
      ALERT_WEBHOOK_TOKEN: 'term-webhook-token',
    });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/healthz`)).ok, 45_000, 200);
    // Slack's response_url answers slowly, so jobs are still running when SIGTERM arrives.
    slack.failFor('response_url', { status: 503 }, 1_500);
    const urls = Array.from({ length: 20 }, () => slack.createResponseUrl());
    const acks = await Promise.all(
      urls.map((u, i) =>
        postSigned(
          url,
          secret,
          slashCommandBody({ command: '/status', response_url: u, user_id: `U0LOAD${i}` }),
        ),
      ),
    );
    expect(acks.every((a) => a.status === 200 && a.body.includes('正在执行'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // Nothing answered twice, and nothing lost: every command was either answered or is still
    // queued (waiting or delayed for a retry) for the next replica to pick up.
    const ids = slack.responses.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const { Queue } = await import('bullmq');
    const queue = new Queue('commands', { connection: { url: testRedisUrl() }, prefix });
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    await queue.close();
    expect(counts.active).toBe(0);
    expect(counts.failed).toBe(0);
    expect(counts.completed).toBe(ids.length);
    expect((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.completed ?? 0)).toBe(20);
    const { Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl());
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });
});
