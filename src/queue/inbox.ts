import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type JobsOptions, SpanKind, trace } from 'bullmq';
import type { Redis } from 'ioredis';
import { newRef } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createRedis } from './connection.ts';
import type { QueueName } from './jobs.ts';
import type { QueueSet } from './runtime.ts';

/**
 * The command inbox: what the acknowledgement path queues, as one Redis stream per queue prefix.
 *
 * A web replica appends an accepted command (job name, id, data) with the rate-limit point in one
 * script (`UserRateLimiter.consumeAppending`): one small command instead of BullMQ's add, whose
 * job object, MessagePack arguments and reply were ~45 µs of the ~160 µs CPU an acknowledged
 * command cost (bench/ack.ts). A relay on every worker process moves entries into BullMQ in
 * batches (`addBulk`, the job id as given) and only then acknowledges and deletes them.
 *
 * Nothing accepted is lost: the entry is in Redis before the user is told the command is queued,
 * and a relay that dies between reading entries and adding their jobs leaves them pending in the
 * consumer group, where another relay claims them after `claimIdleMs`. A job added twice that way
 * (added, then the relay died before acknowledging) is one job: BullMQ ignores an add whose id
 * exists, within the hour completed jobs are kept (DEFAULT_JOB_OPTIONS). An entry that cannot be
 * a job (an unknown job, data its schema refuses: another version wrote it) is set aside whole in
 * `<prefix>:inbox:unqueued` with the reason, and logged with a reference.
 */

const GROUP = 'relay';

export function inboxKey(prefix: string): string {
  return `${prefix}:inbox`;
}

/**
 * A stream entry's fields for one job: name, id, data as JSON, and `trace` (the producer span's
 * context, while OpenTelemetry is on). Read back by `readInboxEntry`.
 */
export function inboxEntry(name: string, jobId: string, data: unknown, trace?: string): string[] {
  const entry = ['name', name, 'id', jobId, 'data', JSON.stringify(data)];
  return trace ? [...entry, 'trace', trace] : entry;
}

/** An entry's fields by name (the data still JSON). */
export function readInboxEntry(fields: readonly string[]): {
  name?: string;
  id?: string;
  data?: string;
  trace?: string;
} {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}

/**
 * Queues an accepted job through `append` (the rate limiter's script, which appends the entry to
 * the stream only within the user's limit): validated first, as BullMQ's add would, so a job that
 * cannot run is never accepted; traced as BullMQ traces its add (a producer span while
 * OpenTelemetry is on), its context carried in the entry so the worker's span joins the request's
 * trace. Resolves to what `append` answers.
 */
export function appendToInbox<T>(
  queues: Pick<QueueSet, 'parse' | 'prefix' | 'telemetry'>,
  job: { name: string; data: unknown; jobId: string },
  append: (stream: string, entry: string[]) => Promise<T>,
): Promise<T> {
  const { def, data } = queues.parse(job.name, job.data);
  return trace(queues.telemetry, SpanKind.PRODUCER, def.queue, 'add', `inbox.${job.name}`, (_span, context) =>
    append(inboxKey(queues.prefix), inboxEntry(job.name, job.jobId, data, context)),
  );
}

type StreamEntry = [id: string, fields: string[]];

export interface InboxRelay {
  /** Entries moved into BullMQ so far (by this relay). */
  readonly moved: number;
  close(): Promise<void>;
}

export interface InboxRelayOptions {
  logger: Logger;
  /** Entries read and added per batch. */
  batch?: number;
  /** How long a blocking read waits for new entries before checking for abandoned ones. */
  blockMs?: number;
  /** An entry another relay read this long ago and never acknowledged is taken over. */
  claimIdleMs?: number;
  /** Its own connection (it blocks); a worker connection by default. */
  connection?: Redis;
}

/** Starts the relay from the inbox into BullMQ (worker processes: BOT_ROLE worker or all). */
export function startInboxRelay(queues: QueueSet, redisUrl: string, opts: InboxRelayOptions): InboxRelay {
  const redis = opts.connection ?? createRedis(redisUrl, 'worker');
  const key = inboxKey(queues.prefix);
  const batch = opts.batch ?? 500;
  const blockMs = opts.blockMs ?? 2_000;
  const claimIdleMs = opts.claimIdleMs ?? 30_000;
  const consumer = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let moved = 0;
  let lastClaim = 0;
  let reading = false;

  const ensureGroup = async () => {
    // From the stream's start: entries appended before any relay existed are moved too.
    await redis.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
  };

  /**
   * Adds the entries' jobs, queue by queue; then, in one transaction, acknowledges and deletes them,
   * and sets aside (`<prefix>:inbox:unqueued`) those that cannot be a job.
   */
  const move = async (entries: StreamEntry[]) => {
    if (entries.length === 0) return;
    const byQueue = new Map<QueueName, Array<{ name: string; data: unknown; opts: JobsOptions }>>();
    const unqueued: Array<{ id: string; fields: string[]; reason: string }> = [];
    for (const [id, fields] of entries) {
      const f = readInboxEntry(fields);
      const def = f.name ? queues.definition(f.name) : undefined;
      const parsed = def && f.data !== undefined ? def.data.safeParse(safeJson(f.data)) : undefined;
      if (!def || !parsed?.success || !f.id) {
        const reason = !def
          ? `unknown job "${f.name ?? ''}"`
          : !f.id
            ? 'no job id'
            : `invalid data: ${parsed?.error?.issues[0]?.message ?? 'not JSON'}`;
        unqueued.push({ id, fields, reason });
        continue;
      }
      const list = byQueue.get(def.queue) ?? [];
      // The request's trace context (OpenTelemetry on): the job's spans join the request's trace.
      const telemetry = f.trace ? { telemetry: { metadata: f.trace } } : {};
      list.push({ name: def.name, data: parsed.data, opts: { ...def.options, jobId: f.id, ...telemetry } });
      byQueue.set(def.queue, list);
    }
    for (const [queue, jobs] of byQueue) await queues.use(queue, (q) => q.addBulk(jobs));
    const ids = entries.map(([id]) => id);
    const tx = redis.multi();
    // Written by a version that knew another job or schema, or damaged: never a job, never lost.
    for (const u of unqueued) tx.xadd(`${key}:unqueued`, '*', ...u.fields, 'entry', u.id, 'reason', u.reason);
    await tx
      .xack(key, GROUP, ...ids)
      .xdel(key, ...ids)
      .exec();
    for (const u of unqueued) {
      opts.logger.error(
        { ref: newRef(), entry: u.id, reason: u.reason, stream: `${key}:unqueued` },
        'inbox entry is not a job: set aside',
      );
    }
    moved += entries.length - unqueued.length;
  };

  /** Entries other relays read and never acknowledged (they died): taken over, all of them. */
  const claimAbandoned = async () => {
    let cursor = '0';
    do {
      const [next, claimed] = (await redis.xautoclaim(
        key,
        GROUP,
        consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        batch,
      )) as [string, StreamEntry[]];
      await move(claimed);
      cursor = next;
    } while (cursor !== '0-0' && !stopped); // XAUTOCLAIM answers 0-0 when it has seen every entry
  };

  const loop = async () => {
    let grouped = false;
    let failing = false;
    while (!stopped) {
      try {
        if (!grouped) {
          await ensureGroup();
          grouped = true;
        }
        if (Date.now() - lastClaim >= claimIdleMs / 2) {
          lastClaim = Date.now();
          await claimAbandoned();
        }
        reading = true;
        const read = (await redis.xreadgroup(
          'GROUP',
          GROUP,
          consumer,
          'COUNT',
          batch,
          'BLOCK',
          blockMs,
          'STREAMS',
          key,
          '>',
        )) as Array<[string, StreamEntry[]]> | null;
        reading = false;
        await move(read?.[0]?.[1] ?? []);
        failing = false;
      } catch (err) {
        reading = false;
        if (stopped) break;
        // The stream or its group was deleted (a flushed Redis): made again, nothing to recover.
        if (/NOGROUP/.test((err as Error).message)) grouped = false;
        // Once per outage at warn (Redis down is told by readyz and the queue alerts); then debug.
        else opts.logger[failing ? 'debug' : 'warn']({ err }, 'inbox relay: retrying every second');
        failing = true;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const running = loop().catch((err) => opts.logger.error({ err }, 'inbox relay stopped'));

  return {
    get moved() {
      return moved;
    },
    async close() {
      stopped = true;
      // A blocking read ends with the connection; a batch being moved is finished first.
      if (reading) redis.disconnect();
      await running;
      redis.disconnect();
      // Leaves the group unless it still holds entries (another relay claims those): consumers do
      // not pile up there, one per process ever started. Best effort, on the queues' connection.
      const r = queues.connection;
      const held = (await r.xpending(key, GROUP, '-', '+', 1, consumer).catch(() => [1])) as unknown[];
      if (held.length === 0) await r.xgroup('DELCONSUMER', key, GROUP, consumer).catch(() => 0);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
