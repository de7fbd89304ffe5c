import { Redis } from 'ioredis';

/** The platform's Redis (TARGET_REDIS_URL), for probes: fails fast, never queues commands offline. */
export function createTargetRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 500, 5_000),
  });
  redis.on('error', () => {});
  return redis;
}

export interface RedisHealth {
  version: string;
  usedMemory: number;
  maxMemory: number;
  clients: number;
  hitRatio?: number;
}

/** Parses `INFO` text into a map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

const readiness = new WeakMap<Redis, Promise<void>>();

/** One shared wait per connection for its first `ready` (or failure), however many callers. */
function whenReady(redis: Redis): Promise<void> {
  let ready = readiness.get(redis);
  if (!ready) {
    ready = new Promise<void>((resolve) => {
      const done = () => {
        redis.off('ready', done);
        redis.off('error', done);
        redis.off('end', done);
        readiness.delete(redis);
        resolve();
      };
      redis.once('ready', done);
      redis.once('error', done);
      redis.once('end', done);
    });
    readiness.set(redis, ready);
  }
  return ready;
}

export async function redisHealth(redis: Redis): Promise<RedisHealth> {
  if (redis.status === 'wait' || redis.status === 'end') await redis.connect().catch(() => {});
  // Concurrent callers during the first connect: wait for it (the offline queue is off, so a command
  // sent now would fail with "Stream isn't writeable"); the caller's probe timeout bounds the wait.
  else if (redis.status === 'connecting' || redis.status === 'connect') await whenReady(redis);
  const info = parseInfo(await redis.info());
  const hits = Number(info.keyspace_hits ?? 0);
  const misses = Number(info.keyspace_misses ?? 0);
  return {
    version: info.redis_version ?? '?',
    usedMemory: Number(info.used_memory ?? 0),
    maxMemory: Number(info.maxmemory ?? 0),
    clients: Number(info.connected_clients ?? 0),
    ...(hits + misses > 0 ? { hitRatio: hits / (hits + misses) } : {}),
  };
}
