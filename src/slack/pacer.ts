import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { SlackRateLimitedError } from './errors.ts';

/**
 * Slack's posting limits, kept by the bot across replicas (counters in Redis): about one
 * chat.postMessage per second per channel and Tier 3 chat.update per workspace. A post that would
 * go over is deferred (SlackRateLimitedError → the job is moved to delayed), and a 429 from Slack
 * blocks only that channel for Retry-After.
 */
export class SlackPacer {
  private readonly posts: RateLimiterRedis;
  private readonly updates: RateLimiterRedis;

  constructor(
    redis: Redis,
    prefix: string,
    postsPerSecond: number,
    private readonly onPaced: (method: string) => void = () => {},
  ) {
    const points = Math.max(1, Math.round(postsPerSecond));
    const duration = postsPerSecond >= 1 ? 1 : Math.ceil(1 / postsPerSecond);
    this.posts = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:pace:post`,
      points,
      duration,
    });
    this.updates = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:pace:update`,
      points: 45,
      duration: 60,
    });
  }

  private async take(limiter: RateLimiterRedis, key: string, method: string, channel?: string) {
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        this.onPaced(method);
        throw new SlackRateLimitedError(method, Math.max(50, err.msBeforeNext), channel);
      }
      throw err;
    }
  }

  beforePost(channel: string): Promise<void> {
    return this.take(this.posts, channel, 'chat.postMessage', channel);
  }

  beforeUpdate(channel: string): Promise<void> {
    return this.take(this.updates, 'workspace', 'chat.update', channel);
  }

  /** Slack answered 429: hold this channel's posts (or the workspace's edits) for Retry-After. */
  async rateLimited(err: SlackRateLimitedError): Promise<void> {
    const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    if (err.method === 'chat.update') await this.updates.block('workspace', seconds).catch(() => {});
    else if (err.channel) await this.posts.block(err.channel, seconds).catch(() => {});
  }
}
