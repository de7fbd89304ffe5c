import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface UserRateLimiter {
  consume(userId: string): Promise<RateResult>;
  /**
   * Takes one point and, when that goes over the limit, marks `refusedKey` (a Redis key, kept a
   * day) in the same script. The command is written to Redis before this returns, so a command the
   * caller sends next on the same connection (the job's enqueue) reaches Redis after it: both go
   * in one round trip, and a job enqueued for a refused user is already marked refused when a
   * worker can see it. Same counter as `consume` (buttons and commands share one budget).
   */
  consumeMarking?(userId: string, refusedKey: string): Promise<RateResult>;
}

/**
 * rate-limiter-flexible's fixed-window script for RateLimiterRedis (same key, same counting), plus
 * the refusal mark. KEYS: counter, refusal mark; ARGV: points, duration in seconds.
 */
const CONSUME_MARKING_LUA = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], 1)
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
if consumed > tonumber(ARGV[1]) then redis.call('set', KEYS[2], '1', 'EX', 86400) end
return {consumed, ttl}`;

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
    async consumeMarking(userId, refusedKey) {
      // Plain EVAL, not EVALSHA: a NOSCRIPT retry would be sent after the enqueue and lose the
      // ordering the caller relies on (Redis caches the compiled script by its hash anyway).
      const [consumed, ttl] = (await redis.eval(
        CONSUME_MARKING_LUA,
        2,
        `${keyPrefix}:${userId}`,
        refusedKey,
        opts.points,
        opts.durationSeconds,
      )) as [number, number];
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
