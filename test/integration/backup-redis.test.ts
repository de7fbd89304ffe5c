import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFileSchema } from '../../src/backup/config.ts';
import { bgsaveAndWait } from '../../src/backup/redis.ts';
import { runBackup, type TargetResult } from '../../src/backup/run.ts';
import { sha256File } from '../helpers/backup.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis.ts';

function ok(r: TargetResult) {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

async function seed(url: string, n: number): Promise<void> {
  const redis = new Redis(url);
  const pipe = redis.pipeline();
  for (let i = 0; i < n; i++) pipe.set(`session:${i}`, `value-${i}-${'x'.repeat(50)}`);
  pipe.hset('plugin:stats', { installs: '42', rating: '4.8' });
  pipe.select(2);
  pipe.set('other-db-key', '1');
  await pipe.exec();
  await redis.quit();
}

async function dbsize(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('keyspace');
    return [...info.matchAll(/keys=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  } finally {
    await redis.quit();
  }
}

describe('Redis backups against a real server', () => {
  let source: RedisServer;
  let t: TestBot;
  let dir: { path: string; remove: () => void };
  const password = 'redis-pass-4242';
  const url = () => `redis://:${password}@127.0.0.1:${source.port}`;

  beforeAll(async () => {
    source = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
    // After start: the helper's readiness PING has no password.
    const admin = new Redis(source.url);
    await admin.config('SET', 'requirepass', password);
    admin.disconnect();
    await seed(url(), 300);
    dir = makeTempDir('backups');
    t = await startTestBot({ TARGET_REDIS_URL: url(), BACKUP_DIR: dir.path }, { start: false });
  });
  afterAll(async () => {
    await t?.stop();
    await source?.stop();
    dir?.remove();
  });

  it('takes an RDB over the replication protocol; another redis-server loads it with every key', async () => {
    const args: string[][] = [];
    const r = ok(
      await runBackup(t.bot.deps, 'redis', {
        trigger: 'slack',
        hooks: { onChild: (_name, child) => args.push(child.spawnargs) },
      }),
    );
    expect(r.location).toMatch(/redis\/dump_\d{8}T\d{6}Z_[0-9a-f]{6}\.rdb$/);
    expect(readFileSync(r.location).subarray(0, 5).toString()).toBe('REDIS');
    expect(sha256File(r.location)).toBe(r.sha256);
    expect(r.verification).toMatch(/RDB header REDIS\d{4}/);
    expect(r.details).toMatchObject({ method: 'rdb', keys: 302, disklessSyncDelay: 0 });
    // The password went through REDISCLI_AUTH, not the command line.
    expect(args.flat().join(' ')).toContain('--rdb');
    expect(args.flat().join(' ')).not.toContain(password);

    const copy = await startRedisServer({
      args: ['--dir', dirname(r.location), '--dbfilename', basename(r.location)],
    });
    try {
      expect(await dbsize(copy.url)).toBe(302);
      const c = new Redis(copy.url);
      expect(await c.hget('plugin:stats', 'rating')).toBe('4.8');
      await c.quit();
    } finally {
      await copy.stop();
    }
  });

  it('BGSAVE waits for its own save (LASTSAVE before, polled until it changes), also twice in the same second', async () => {
    const redis = new Redis(url());
    try {
      const first = await bgsaveAndWait(redis, { timeoutMs: 10_000, pollMs: 20 });
      const second = await bgsaveAndWait(redis, { timeoutMs: 10_000, pollMs: 20 });
      expect(second.lastSave).toBeGreaterThan(first.lastSave);
    } finally {
      await redis.quit();
    }
  });

  it('method bgsave copies the server dump file when the bot shares the host', async () => {
    const deps = t.bot.deps;
    const backup = backupFileSchema.parse({ redis: { method: 'bgsave', timeoutSeconds: 30 } });
    const file = { ...deps.config.file, backup };
    const r = ok(
      await runBackup({ ...deps, config: { ...deps.config, file } }, 'redis', { trigger: 'slack' }),
    );
    expect(r.details).toMatchObject({ method: 'bgsave' });
    expect(readFileSync(r.location).subarray(0, 5).toString()).toBe('REDIS');
  });

  it('Redis unreachable: a clear answer and the last good backup stays', async () => {
    const deps = t.bot.deps;
    const before = (await deps.pool.query(`SELECT count(*)::int AS n FROM backup_runs WHERE status = 'ok'`))
      .rows[0].n;
    const r = await runBackup(
      { ...deps, config: { ...deps.config, targetRedisUrl: 'redis://:pw-secret-1@127.0.0.1:1' } },
      'redis',
      { trigger: 'slack' },
    );
    expect(r.status).toBe('failed');
    expect(r.status === 'failed' && r.error).toContain('cannot connect to Redis at 127.0.0.1:1');
    expect(r.status === 'failed' && r.error).not.toContain('pw-secret-1');
    const after = (await deps.pool.query(`SELECT count(*)::int AS n FROM backup_runs WHERE status = 'ok'`))
      .rows[0].n;
    expect(after).toBe(before);
  });
});
