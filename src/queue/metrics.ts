import type { JobType } from 'bullmq';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import { withTimeout } from './connection.ts';
import { inboxKey } from './inbox.ts';
import { QUEUE_NAMES } from './jobs.ts';
import type { QueueSet } from './runtime.ts';

/** Job states BullMQ counts (getJobCounts). */
const STATES: JobType[] = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
  'waiting-children',
];

/**
 * `laojun_queue_jobs{queue,state}`: BullMQ job counts read from Redis at each scrape (so the numbers are
 * never stale and cost nothing between scrapes). Every replica reports the same shared queues: aggregate
 * with `max`, not `sum`. When Redis is unreachable the series are absent rather than the scrape failing.
 */
export function registerQueueMetrics(registry: Registry, queues: QueueSet, timeoutMs = 1_000): Gauge {
  return new Gauge({
    name: 'laojun_queue_jobs',
    help: 'BullMQ jobs per queue and state, read at scrape time (same value on every replica: use max)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        QUEUE_NAMES.map(async (queue) => {
          try {
            const counts = await withTimeout(
              queues.use(queue, (q) => q.getJobCounts(...STATES)),
              timeoutMs,
              `job counts of ${queue}`,
            );
            for (const state of STATES) this.set({ queue, state }, counts[state] ?? 0);
          } catch {
            // Redis down or slow: no series for this queue; ChatOpsDown/readyz tell that story.
          }
        }),
      );
    },
  });
}

/**
 * `laojun_command_inbox_entries`: commands the acknowledgement path accepted that no worker's relay
 * has moved into BullMQ yet (src/queue/inbox.ts), read at scrape. Moved within milliseconds while a
 * worker runs: one that stays above zero means no worker is running (ChatOpsCommandInboxStuck).
 */
export function registerInboxMetrics(registry: Registry, queues: QueueSet, timeoutMs = 1_000): Gauge {
  return new Gauge({
    name: 'laojun_command_inbox_entries',
    help: 'Commands accepted and not yet moved into BullMQ by a worker (same value on every replica: use max)',
    registers: [registry],
    async collect() {
      this.reset();
      try {
        this.set(
          await withTimeout(queues.connection.xlen(inboxKey(queues.prefix)), timeoutMs, 'inbox length'),
        );
      } catch {
        // Redis down or slow: no series, as for laojun_queue_jobs.
      }
    },
  });
}
