import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { Redis } from 'ioredis';
import { parseInfo } from '../sources/redis.ts';
import type { Staging } from './destination.ts';
import { BackupError, DestinationError } from './errors.ts';
import { startTool, type TargetContext } from './process.ts';
import { verifyRdb } from './verify.ts';

/** host:port for messages (no credentials). */
export function describeRedis(url: string): string {
  const u = new URL(url);
  return `${u.hostname || '127.0.0.1'}:${u.port || '6379'}`;
}

/** redis-cli arguments and environment: the password goes in REDISCLI_AUTH, never on the command line. */
export function redisCliArgs(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const args = ['-h', u.hostname || '127.0.0.1', '-p', u.port || '6379'];
  if (u.protocol === 'rediss:') args.push('--tls');
  const user = decodeURIComponent(u.username);
  if (user && user !== 'default') args.push('--user', user);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (u.password) env.REDISCLI_AUTH = decodeURIComponent(u.password);
  return { args, env };
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new BackupError(`cannot connect to Redis at ${describeRedis(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/**
 * With diskless replication the server ends the stream with a 40-character EOF mark, which
 * `redis-cli --rdb` removes by truncating its output file, something it cannot do on stdout. This
 * holds back the last 49 bytes and drops the mark when it follows the RDB's EOF opcode and checksum.
 */
export class TrimEofMark extends Transform {
  private held = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const all = Buffer.concat([this.held, chunk]);
    const keep = Math.min(all.length, 49);
    this.held = all.subarray(all.length - keep);
    cb(null, all.length > keep ? all.subarray(0, all.length - keep) : undefined);
  }

  override _flush(cb: TransformCallback): void {
    const tail = this.held;
    const mark = tail.subarray(tail.length - 40).toString('latin1');
    if (tail.length === 49 && tail[0] === 0xff && /^[0-9a-f]{40}$/.test(mark)) cb(null, tail.subarray(0, 9));
    else cb(null, tail);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BGSAVE and wait for *that* save: LASTSAVE is read before, and polled until it changes (bounded),
 * unlike `while [ $(LASTSAVE) -eq $(LASTSAVE) ]`, which compares a value with itself and never ends.
 * A save already running is waited for first (its snapshot predates the request), and LASTSAVE's
 * one-second resolution is respected so a save within the same second is not missed.
 */
export async function bgsaveAndWait(
  redis: Redis,
  opts: { timeoutMs: number; pollMs?: number },
): Promise<{ lastSave: number; waitedMs: number }> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const poll = opts.pollMs ?? 200;
  const persistence = async () => parseInfo(await redis.info('persistence'));
  const timedOut = () =>
    new BackupError(
      `BGSAVE did not finish within ${Math.round(opts.timeoutMs / 1000)} s; the save may still be running on the server`,
    );

  while ((await persistence()).rdb_bgsave_in_progress === '1') {
    if (Date.now() > deadline) throw timedOut();
    await sleep(poll);
  }
  const before = Number(await redis.lastsave());
  const [serverNow] = await redis.time();
  if (Number(serverNow) <= before) await sleep(1_100);
  await redis.bgsave('SCHEDULE');
  for (;;) {
    const now = Number(await redis.lastsave());
    if (now !== before) {
      const info = await persistence();
      if (info.rdb_last_bgsave_status !== 'ok') {
        throw new BackupError('BGSAVE failed on the Redis server (rdb_last_bgsave_status: err); see its log');
      }
      return { lastSave: now, waitedMs: Date.now() - started };
    }
    const info = await persistence();
    if (
      info.rdb_bgsave_in_progress === '0' &&
      info.aof_rewrite_in_progress !== '1' &&
      info.rdb_last_bgsave_status === 'err'
    ) {
      throw new BackupError('BGSAVE failed on the Redis server (rdb_last_bgsave_status: err); see its log');
    }
    if (Date.now() > deadline) throw timedOut();
    await sleep(poll);
  }
}

export interface RedisOptions {
  url: string;
  method: 'rdb' | 'bgsave';
  rdbPath?: string;
  timeoutSeconds: number;
  redisCli?: string;
}

export interface RedisOutcome {
  bytes: number;
  sha256: string;
  verification: string;
  details: { method: string; rdbVersion: number; disklessSyncDelay?: number; keys?: number };
}

/**
 * An RDB snapshot. `rdb` (default) asks the server for a replication snapshot with
 * `redis-cli --rdb -` and streams it to the destination, so it works when Redis runs on another
 * host; with diskless replication the server first waits `repl-diskless-sync-delay` seconds.
 * `bgsave` runs BGSAVE, waits for it, and copies the server's dump file (same host or shared volume).
 */
export async function backupRedis(
  ctx: TargetContext,
  staging: Staging,
  opts: RedisOptions,
): Promise<RedisOutcome> {
  const redis = await connect(opts.url);
  let stored: { bytes: number; sha256: string };
  const details: RedisOutcome['details'] = { method: opts.method, rdbVersion: 0 };
  try {
    const keyspace = parseInfo(await redis.info('keyspace'));
    details.keys = Object.values(keyspace).reduce((a, v) => a + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
    if (opts.method === 'bgsave') {
      await bgsaveAndWait(redis, { timeoutMs: opts.timeoutSeconds * 1000 });
      let path = opts.rdbPath;
      if (!path) {
        const dir = (await redis.config('GET', 'dir')) as string[];
        const file = (await redis.config('GET', 'dbfilename')) as string[];
        path = join(dir[1] ?? '.', file[1] ?? 'dump.rdb');
      }
      const source = createReadStream(path);
      await new Promise<void>((resolve, reject) => {
        source.once('open', () => resolve());
        source.once('error', (err) =>
          reject(
            new BackupError(
              `cannot read the Redis dump file ${path} (${(err as NodeJS.ErrnoException).code}): with method bgsave the bot must see the server's files; set backup.redis.rdbPath or use method rdb`,
            ),
          ),
        );
      });
      stored = await staging.put('', source, ctx.hooks?.onProgress);
    } else {
      const delay = await redis
        .config('GET', 'repl-diskless-sync-delay')
        .then((r) => Number((r as string[])[1]))
        .catch(() => undefined);
      if (delay !== undefined && Number.isFinite(delay)) details.disklessSyncDelay = delay;
      const { args, env } = redisCliArgs(opts.url);
      const cli = startTool(
        ctx,
        'redis-cli --rdb',
        opts.redisCli ?? 'redis-cli',
        [...args, '--rdb', '-'],
        env,
      );
      cli.child.stdin?.end();
      const timer = setTimeout(
        () => cli.child.kill('SIGTERM'),
        opts.timeoutSeconds * 1000 + (delay ?? 0) * 1000,
      );
      try {
        if (!cli.child.stdout) throw new BackupError('redis-cli has no output');
        const rdb = cli.child.stdout.pipe(new TrimEofMark());
        cli.child.stdout.on('error', (err) => rdb.destroy(err));
        [stored] = await Promise.all([staging.put('', rdb, ctx.hooks?.onProgress), cli.done]);
      } catch (err) {
        cli.child.kill('SIGTERM');
        if (err instanceof DestinationError) throw err;
        throw await cli.done.then(
          () => err,
          (e: unknown) => e,
        );
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    redis.disconnect();
  }
  const { version } = await verifyRdb(staging, '', stored);
  details.rdbVersion = version;
  return {
    ...stored,
    verification: `sha256 re-read, RDB header REDIS${String(version).padStart(4, '0')} + EOF`,
    details,
  };
}
