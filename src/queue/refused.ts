import type { Redis } from 'ioredis';

/** The mark the rate-limit script leaves for a command enqueued in the same round trip but refused. */
export function refusedKey(prefix: string, jobId: string): string {
  return `${prefix}:ratelimit:refused:${jobId}`;
}

/** Whether this job's command was refused over the rate limit (the mark is taken: asked once). */
export async function takeRefusal(redis: Redis, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.getdel(refusedKey(prefix, jobId))) !== null;
}
