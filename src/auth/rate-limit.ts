import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface UserRateLimiter {
  consume(userId: string): Promise<RateResult>;
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
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${opts.prefix}:ratelimit:user`,
    points: opts.points,
    duration: opts.durationSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: opts.points, duration: opts.durationSeconds }),
  });
  return {
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
