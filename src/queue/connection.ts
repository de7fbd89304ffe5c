import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections as BullMQ's production guide says: workers block and must retry forever
 * (`maxRetriesPerRequest: null`); producers (the HTTP path) fail fast so a Redis outage becomes a
 * clear answer to the user instead of a hung request, and pipeline what one event-loop turn sends.
 */
export function createRedis(url: string, role: 'worker' | 'producer'): Redis {
  const common: RedisOptions = {
    connectTimeout: 2_000,
    // Reconnect with a capped backoff forever; Redis coming back must need no manual step.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
  const options: RedisOptions =
    role === 'worker'
      ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: false }
      : {
          ...common,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          enableReadyCheck: true,
          // With a hundred slash commands in flight, the inbox scripts of one event-loop turn go out
          // in one write instead of one each (order kept): each write is a costly system call on a
          // VM (bench/ack.ts). Producer only: workers' blocking connections are left as they are.
          // Scripts on it are plain EVALSHA/EVAL: ioredis 6 lost replies of `defineCommand` scripts
          // in auto-pipelines (src/auth/rate-limit.ts).
          enableAutoPipelining: true,
        };
  const redis = new Redis(url, options);
  // Connection errors are expected during outages; ioredis reconnects. Without a listener they crash.
  redis.on('error', () => {});
  return redis;
}

/** Rejects after `ms` (used to bound calls on the acknowledgement path). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
