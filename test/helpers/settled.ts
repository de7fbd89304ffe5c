import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inboxKey } from '../../src/queue/inbox.ts';
import { QUEUE_NAMES, type QueueName } from '../../src/queue/jobs.ts';
import type { TestBot } from './bot.ts';
import { testDatabaseUrl } from './db.ts';
import { testRedisUrl } from './redis.ts';
import { waitUntil } from './wait.ts';

/** Where a bot's work is: its queues and its database schema. */
interface Work {
  queue(name: QueueName): Queue;
  /** Commands accepted but not yet moved into BullMQ (src/queue/inbox.ts). */
  inbox(): Promise<number>;
  query(sql: string): Promise<{ rows: { n: number }[] }>;
}

/** What is still to do: jobs waiting, running or retrying, and incidents Slack does not show yet. */
async function pendingWork(w: Work): Promise<string[]> {
  const pending: string[] = [];
  const inbox = await w.inbox();
  if (inbox > 0) pending.push(`${inbox} commands in the inbox`);
  for (const name of QUEUE_NAMES) {
    const q = w.queue(name);
    const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
    if (Object.values(c).some((n) => n > 0)) pending.push(`${name}: ${JSON.stringify(c)}`);
    // Repeatable jobs (sweeps, schedules) are always delayed; anything else delayed is a retry or a pause.
    const delayed = (await q.getJobs(['delayed'])).filter((j) => !j.repeatJobKey);
    if (delayed.length > 0) pending.push(`${name}: ${delayed.length} delayed`);
  }
  const unsynced = await w
    .query('SELECT count(*)::int AS n FROM incidents WHERE synced_version < version')
    .then((r) => r.rows[0]?.n ?? 0)
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') return 0; // no incident tables in this schema
      throw err;
    });
  if (unsynced > 0) pending.push(`${unsynced} incidents not synced`);
  return pending;
}

async function untilSettled(w: Work, timeoutMs: number): Promise<void> {
  let quietBefore = false;
  let last: string[] = [];
  await waitUntil(
    async () => {
      last = await pendingWork(w);
      const quiet = last.length === 0;
      const done = quiet && quietBefore;
      quietBefore = quiet;
      return done;
    },
    { timeoutMs, intervalMs: 100, message: 'the bot to settle' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still pending: ${last.join('; ')}`);
  });
}

/**
 * Waits until the bot has nothing left to do — every queue drained (repeatable schedules aside) and every
 * incident synced (`synced_version >= version`) — on two polls in a row. Tests that assert "nothing
 * more happened" wait for this instead of sleeping for a fixed time.
 */
export async function settled(t: TestBot, timeoutMs = 20_000): Promise<void> {
  await untilSettled(
    {
      queue: (name) => t.bot.deps.queues.queue(name),
      inbox: () => t.bot.deps.queues.connection.xlen(inboxKey(t.bot.deps.queues.prefix)),
      query: (sql) => t.db.pool.query(sql),
    },
    timeoutMs,
  );
}

/** `settled` for a bot in another process (helpers/spawn-bot.ts): its schema and queue prefix. */
export async function settledProcess(
  bot: { schema: string; prefix: string },
  timeoutMs = 30_000,
): Promise<void> {
  const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const pool = new pg.Pool({
    connectionString: testDatabaseUrl(),
    max: 1,
    options: `-c search_path=${bot.schema},public`,
  });
  pool.on('error', () => {});
  const queues = new Map<QueueName, Queue>();
  const queue = (name: QueueName): Queue => {
    const q = queues.get(name) ?? new Queue(name, { connection, prefix: bot.prefix });
    queues.set(name, q);
    return q;
  };
  try {
    await untilSettled(
      { queue, inbox: () => connection.xlen(inboxKey(bot.prefix)), query: (sql) => pool.query(sql) },
      timeoutMs,
    );
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
    await pool.end().catch(() => {});
    connection.disconnect();
  }
}
