import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface UserRateLimiter {
  consume(userId: string): Promise<RateResult>;
  /**
   * Takes one point and, only when that stays within the limit, appends `entry` (field, value, …)
   * to the stream `stream`, in one script: one round trip on the acknowledgement path, and a
   * refused command is never queued. Same counter as `consume` (buttons and commands share one
   * budget). Rejects when Redis does not answer (the caller tells the user it is down).
   */
  consumeAppending(userId: string, stream: string, entry: readonly string[]): Promise<RateResult>;
}

/**
 * rate-limiter-flexible's fixed-window script for RateLimiterRedis (same key, same counting), plus
 * the append. KEYS: counter, stream; ARGV: points, duration in seconds, then the entry's fields.
 */
const CONSUME_APPENDING_LUA = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], 1)
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
if consumed <= tonumber(ARGV[1]) then redis.call('xadd', KEYS[2], '*', unpack(ARGV, 3)) end
return {consumed, ttl}`;

const CONSUME_APPENDING_SHA = createHash('sha1').update(CONSUME_APPENDING_LUA).digest('hex');

/**
 * The script by its hash, sent whole once Redis says it does not have it (a restart flushed its
 * script cache). Plain commands, not ioredis's `defineCommand`: on the auto-pipelined producer
 * connection a pipeline holding a defined script lost replies (ioredis 6's autoPipelining threw
 * "results[i] is not iterable" and the waiting acknowledgements never settled).
 */
async function consumeAppendingScript(redis: Redis, keys: [string, string], args: Array<string | number>) {
  try {
    return (await redis.evalsha(CONSUME_APPENDING_SHA, 2, ...keys, ...args)) as [number, number];
  } catch (err) {
    if (!/NOSCRIPT/.test((err as Error).message)) throw err;
    return (await redis.eval(CONSUME_APPENDING_LUA, 2, ...keys, ...args)) as [number, number];
  }
}

/**
 * Per-user limit on commands and button actions, shared across replicas through Redis (the
 * manual's suspicious_api_calls: 100 calls a minute → rate limited). When Redis does not answer,
 * an in-process limiter with the same budget stands in.
 */
export function createUserRateLimiter(
  redis: Redis,
  opts: { prefix: string; points: number; durationSeconds: number },
): UserRateLimiter {
  const keyPrefix = `${opts.prefix}:ratelimit:user`;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points: opts.points,
    duration: opts.durationSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: opts.points, duration: opts.durationSeconds }),
  });
  return {
    async consumeAppending(userId, stream, entry) {
      const [consumed, ttl] = await consumeAppendingScript(
        redis,
        [`${keyPrefix}:${userId}`, stream],
        [opts.points, opts.durationSeconds, ...entry],
      );
      return consumed > opts.points ? { ok: false, retryAfterMs: Math.max(0, ttl) } : { ok: true };
    },
    async consume(userId) {
      try {
        await limiter.consume(userId, 1);
        return { ok: true };
      } catch (res) {
        if (res instanceof RateLimiterRes) return { ok: false, retryAfterMs: res.msBeforeNext };
        // Neither Redis nor the insurance limiter answered: do not lock users out.
        return { ok: true };
      }
    },
  };
}
