import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../helpers/bot.ts';
import { quoteIdent, testDatabaseUrl, uniqueName } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { testRedisUrl } from '../helpers/redis.ts';

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

describe('the bot process', () => {
  it('stops at start with one line naming a missing setting', async () => {
    const { out, exited } = startBot({});
    expect(await exited).toBe(78);
    expect(out.stderr.trim()).toBe('laojun-chatops: configuration error: DATABASE_URL is required');
  });

  it('starts in console mode without a Slack token and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const schema = uniqueName('proc');
    onTestFinished(async () => {
      const client = new pg.Client(testDatabaseUrl());
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await client.end();
    });
    const { child, out, exited } = startBot({
      DATABASE_SCHEMA: schema,
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniqueName('proc'),
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000, 200);
    expect(out.stdout).toContain('"mode":"console"');
    expect(out.stdout).toContain('"service":"laojun-chatops"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stdout).toContain('laojun chatops stopped');
    // No longer listening.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
