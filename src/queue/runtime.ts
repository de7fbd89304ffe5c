import { createHash } from 'node:crypto';
import { type Job, type JobsOptions, Queue, type Telemetry, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Deps } from '../deps.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createRedis } from './connection.ts';
import { type InboxRelay, startInboxRelay } from './inbox.ts';
import { DEFAULT_JOB_OPTIONS, type JobDefinition, QUEUE_NAMES, type QueueName } from './jobs.ts';

/** BullMQ job ids may not contain ':'; hash opaque keys such as Alertmanager's groupKey. */
export function jobIdFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/**
 * Producer side: one Queue per queue name on a fail-fast connection. A BullMQ Queue checks the
 * Redis version when it is made, so queues are made once the connection is ready and made again
 * after an operation failed on a broken connection.
 */
export class QueueSet {
  private readonly made = new Map<QueueName, Queue>();
  private readonly byJob = new Map<string, JobDefinition>();

  constructor(
    readonly connection: Redis,
    readonly prefix: string,
    jobs: readonly JobDefinition[],
    /** BullMQ's tracing (bullmq-otel) while OpenTelemetry is on (src/telemetry.ts). */
    readonly telemetry?: Telemetry,
  ) {
    for (const j of jobs) {
      if (this.byJob.has(j.name)) throw new Error(`duplicate job "${j.name}"`);
      this.byJob.set(j.name, j);
    }
  }

  /** The queue, or QueueUnavailableError at once when Redis is not connected. */
  queue(name: QueueName): Queue {
    const existing = this.made.get(name);
    if (existing) return existing;
    if (this.connection.status !== 'ready') {
      throw new QueueUnavailableError(`Redis is not connected (${this.connection.status})`);
    }
    const q = new Queue(name, {
      connection: this.connection,
      prefix: this.prefix,
      skipWaitingForReady: true,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
      telemetry: this.telemetry,
    });
    q.on('error', () => {});
    this.made.set(name, q);
    return q;
  }

  /** Runs an operation on a queue; a failure on a broken connection discards the queue for a fresh one. */
  async use<T>(name: QueueName, fn: (q: Queue) => Promise<T>): Promise<T> {
    const q = this.queue(name);
    try {
      return await fn(q);
    } catch (err) {
      if (
        this.connection.status !== 'ready' ||
        /writeable|Connection is closed|ECONNREFUSED/i.test((err as Error).message)
      ) {
        if (this.made.get(name) === q) this.made.delete(name);
        void q.close().catch(() => {});
        throw new QueueUnavailableError((err as Error).message);
      }
      throw err;
    }
  }

  definition(name: string): JobDefinition | undefined {
    return this.byJob.get(name);
  }

  definitions(): JobDefinition[] {
    return [...this.byJob.values()];
  }

  /** The job's definition and its data as the schema parses it; throws for an unknown job or data it refuses. */
  parse(name: string, data: unknown): { def: JobDefinition; data: unknown } {
    const def = this.byJob.get(name);
    if (!def) throw new Error(`unknown job "${name}"`);
    return { def, data: def.data.parse(data) };
  }

  /** Validates data against the job's schema before it ever reaches Redis. */
  async enqueue(name: string, data: unknown, opts: JobsOptions = {}): Promise<Job> {
    const parsed = this.parse(name, data);
    return this.use(parsed.def.queue, (q) => q.add(name, parsed.data, { ...parsed.def.options, ...opts }));
  }

  /** Registers every job's schedule as a BullMQ job scheduler (idempotent; one run per tick across replicas). */
  async upsertSchedules(deps: Deps): Promise<void> {
    for (const def of this.byJob.values()) {
      const schedule = def.schedule?.(deps);
      if (!schedule) {
        await this.use(def.queue, (q) => q.removeJobScheduler(def.name)).catch(() => false);
        continue;
      }
      await this.use(def.queue, (queue) =>
        queue.upsertJobScheduler(
          def.name,
          { pattern: schedule.pattern, ...(schedule.tz ? { tz: schedule.tz } : {}) },
          {
            name: def.name,
            data: def.data.parse(schedule.data),
            opts: { ...DEFAULT_JOB_OPTIONS, ...def.options },
          },
        ),
      );
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.made.values()].map((q) => q.close()));
    this.made.clear();
  }
}

export interface WorkerSet {
  workers: Worker[];
  /** Moves what the acknowledgement path queued into BullMQ (src/queue/inbox.ts). */
  relay: InboxRelay;
  close(): Promise<void>;
}

/**
 * Consumer side: one Worker per queue that dispatches by job name to the job registry.
 * Invalid job data fails at once (UnrecoverableError); other errors retry with backoff.
 */
export function startWorkers(
  deps: Deps,
  redisUrl: string,
  opts: { concurrency?: Partial<Record<QueueName, number>>; logger: Logger; metrics: Metrics },
): WorkerSet {
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const name of QUEUE_NAMES) {
    const connection = createRedis(redisUrl, 'worker');
    connections.push(connection);
    const worker = new Worker(
      name,
      async (job, token) => {
        const def = deps.queues.definition(job.name);
        if (!def) throw new UnrecoverableError(`no handler for job "${job.name}"`);
        const parsed = def.data.safeParse(job.data);
        if (!parsed.success) {
          opts.metrics.jobs.inc({ job: job.name, outcome: 'invalid' });
          throw new UnrecoverableError(
            `invalid data for job "${job.name}": ${parsed.error.issues[0]?.message}`,
          );
        }
        const end = opts.metrics.jobDuration.startTimer({ job: job.name });
        try {
          return await def.run(parsed.data, deps, job, token);
        } finally {
          end();
        }
      },
      {
        connection,
        prefix: deps.queues.prefix,
        concurrency: opts.concurrency?.[name] ?? (name === 'commands' ? 16 : 4),
        autorun: true,
        // A job whose worker died is picked up again (crash recovery), a few times at most: its lock
        // expires after lockDuration and the next stalled check (at most half that later) requeues it.
        maxStalledCount: 2,
        lockDuration: deps.config.file.queue.lockDurationMs,
        stalledInterval: Math.min(15_000, deps.config.file.queue.lockDurationMs / 2),
        telemetry: deps.queues.telemetry,
      },
    );
    worker.on('completed', (job) => opts.metrics.jobs.inc({ job: job.name, outcome: 'completed' }));
    worker.on('failed', (job, err) => {
      if (!job) return;
      opts.metrics.jobs.inc({ job: job.name, outcome: 'failed' });
      opts.logger.warn({ job: job.name, jobId: job.id, attempts: job.attemptsMade, err }, 'job failed');
    });
    worker.on('error', (err) => opts.logger.debug({ queue: name, err }, 'worker connection error'));
    workers.push(worker);
  }
  const relay = startInboxRelay(deps.queues, redisUrl, { logger: opts.logger });
  return {
    workers,
    relay,
    async close() {
      await relay.close();
      await Promise.allSettled(workers.map((w) => w.close()));
      await Promise.allSettled(connections.map((c) => c.quit()));
    },
  };
}
