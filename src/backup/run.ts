import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { backupSettings, type Target } from './config.ts';
import { createDestination, type Destination } from './destination.ts';
import { createS3Client } from './destination-s3.ts';
import { BackupError, DestinationError } from './errors.ts';
import { BackupHistory, type BackupRow } from './history.ts';
import { backupMinio } from './minio.ts';
import { backupPostgres, databaseName } from './postgres.ts';
import type { BackupHooks, TargetContext } from './process.ts';
import { backupRedis } from './redis.ts';
import { stamp } from './streams.ts';

export type BackupDeps = Pick<Deps, 'config' | 'pool' | 'logger' | 'redact' | 'metrics' | 'now'>;

export interface RunOptions {
  trigger: 'slack' | 'schedule' | 'cli';
  requestedBy?: string;
  jobId?: string;
  /** Overrides the configured destination (tests: a destination whose disk is full). */
  destination?: Destination;
  hooks?: BackupHooks;
  signal?: AbortSignal;
}

export type TargetResult =
  | {
      target: Target;
      status: 'ok';
      id: string;
      bytes: number;
      sha256: string;
      location: string;
      durationMs: number;
      verification: string;
      details: Record<string, unknown>;
      /** Locations removed by retention after this backup. */
      expired: string[];
    }
  | { target: Target; status: 'failed'; id?: string; error: string; durationMs: number }
  | { target: Target; status: 'busy'; running?: BackupRow }
  | { target: Target; status: 'unconfigured'; error: string };

/**
 * Where a backup of `target` started at `at` goes, relative to the destination. The stamp is for
 * people (sorting, finding last night's); the random suffix makes every run's name its own, so two
 * runs in the same second (or on two replicas) never share or replace a file.
 */
export function keyFor(
  target: Target,
  at: Date,
  databaseUrl: string,
  unique = randomBytes(3).toString('hex'),
): string {
  const name = `${stamp(at)}_${unique}`;
  switch (target) {
    case 'postgres':
      return `postgres/${databaseName(databaseUrl).replace(/[^A-Za-z0-9_.-]/g, '_')}_${name}.dump`;
    case 'redis':
      return `redis/dump_${name}.rdb`;
    case 'minio':
      return `minio/${name}`;
  }
}

function timeoutMs(deps: BackupDeps, target: Target): number {
  const s = backupSettings(deps.config);
  if (target === 'redis') return (s.redis.timeoutSeconds + 60) * 1000;
  return s.postgres.timeoutMinutes * 60_000;
}

async function perform(
  deps: BackupDeps,
  target: Target,
  ctx: TargetContext,
  destination: Destination,
  key: string,
  history: BackupHistory,
) {
  const settings = backupSettings(deps.config);
  const staging = await destination.stage(key);
  try {
    let outcome: { bytes: number; sha256: string; verification: string; details: Record<string, unknown> };
    if (target === 'postgres') {
      outcome = await backupPostgres(ctx, staging, {
        url: deps.config.targetDatabaseUrl,
        ...settings.postgres,
      });
    } else if (target === 'redis') {
      outcome = await backupRedis(ctx, staging, { url: deps.config.targetRedisUrl, ...settings.redis });
    } else {
      const { endpoint, accessKey, secretKey, bucket } = deps.config.minio;
      if (!endpoint) throw new BackupError('MINIO_ENDPOINT is not set');
      const previous = await history.lastGood('minio');
      const client = createS3Client({
        endpoint,
        ...(accessKey && secretKey
          ? { credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } }
          : {}),
      });
      try {
        outcome = await backupMinio(ctx, staging, destination, {
          client,
          endpoint,
          bucket,
          concurrency: settings.minio.concurrency,
          previousKey:
            previous?.object_key && previous.location === destination.locate(previous.object_key)
              ? previous.object_key
              : undefined,
        });
      } finally {
        client.destroy();
      }
    }
    await staging.commit();
    return outcome;
  } catch (err) {
    await staging.discard().catch(() => {});
    throw err;
  }
}

/** Retention after a success: good backups older than the target's days go, never the newest good one. */
async function applyRetention(
  deps: BackupDeps,
  target: Target,
  destination: Destination,
  history: BackupHistory,
): Promise<string[]> {
  const days = backupSettings(deps.config).retentionDays[target];
  const removed: string[] = [];
  for (const row of await history.expired(target, days, deps.now())) {
    // Only what this destination holds: a backup written elsewhere (before a configuration change) stays.
    // A file another live row still points to (rows written before names were unique) stays.
    if (
      row.object_key &&
      row.location === destination.locate(row.object_key) &&
      !(await history.referencedElsewhere(row.location, row.id))
    ) {
      await destination.remove(row.object_key);
      removed.push(row.location);
    }
    await history.markExpired(row.id, deps.now());
  }
  return removed;
}

/**
 * One target: take its lock (or say who holds it), back up into a staging name, verify, commit,
 * record, then apply retention. Failures are answers, never exceptions.
 */
export async function runBackup(deps: BackupDeps, target: Target, opts: RunOptions): Promise<TargetResult> {
  const settings = backupSettings(deps.config);
  if (!settings.target && !opts.destination) {
    return {
      target,
      status: 'unconfigured',
      error: 'no backup destination: set BACKUP_DIR, or backup.destination in CONFIG_FILE',
    };
  }
  const destination =
    opts.destination ?? createDestination(settings.target as NonNullable<typeof settings.target>);
  const history = new BackupHistory(deps.pool);
  const startedAt = deps.now();
  const t0 = performance.now();
  const key = keyFor(target, startedAt, deps.config.targetDatabaseUrl);
  const acquired = await history.acquire(target, {
    trigger: opts.trigger,
    requestedBy: opts.requestedBy,
    jobId: opts.jobId,
    location: destination.locate(key),
    objectKey: key,
    now: startedAt,
  });
  const m = deps.metrics.backup;
  if (!acquired.ok) {
    m.runs.inc({ target, trigger: opts.trigger, outcome: 'busy' });
    return { target, status: 'busy', running: acquired.running };
  }
  const { lock } = acquired;
  const log = deps.logger.child({ backup: target, runId: lock.id });
  const controller = new AbortController();
  const limit = timeoutMs(deps, target);
  const timer = setTimeout(
    () => controller.abort(`timed out after ${Math.round(limit / 60_000)} min`),
    limit,
  );
  const onAbort = () => controller.abort(opts.signal?.reason ?? 'aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const onLockLost = () => controller.abort(lock.lost.reason);
  lock.lost.addEventListener('abort', onLockLost, { once: true });
  try {
    for (const row of acquired.interrupted) {
      log.warn({ interrupted: row.id }, 'an earlier backup run was interrupted; removing what it wrote');
      if (row.object_key && !(row.location && (await history.referencedElsewhere(row.location, row.id)))) {
        await destination.remove(row.object_key).catch(() => {});
      }
    }
    await destination.clearPartials(target);
    await destination.check();
    log.info({ location: destination.locate(key) }, 'backup started');
    const ctx: TargetContext = { logger: log, signal: controller.signal, hooks: opts.hooks };
    const outcome = await perform(deps, target, ctx, destination, key, history);
    const durationMs = performance.now() - t0;
    await history.succeed(lock.id, { now: deps.now(), ...outcome, checksum: outcome.sha256 });
    m.lastSuccess.set({ target }, deps.now().getTime() / 1000);
    m.bytes.set({ target }, outcome.bytes);
    m.duration.set({ target }, durationMs / 1000);
    m.runs.inc({ target, trigger: opts.trigger, outcome: 'ok' });
    log.info({ bytes: outcome.bytes, ms: Math.round(durationMs) }, 'backup finished');
    const expired = await applyRetention(deps, target, destination, history).catch((err) => {
      log.warn({ err }, 'retention failed; old backups kept');
      return [] as string[];
    });
    return {
      target,
      status: 'ok',
      id: lock.id,
      location: destination.locate(key),
      durationMs,
      expired,
      ...outcome,
    };
  } catch (err) {
    const durationMs = performance.now() - t0;
    let error: string;
    if (err instanceof BackupError || err instanceof DestinationError) {
      error = deps.redact(err.message);
    } else {
      const ref = newRef();
      log.error({ ref, err }, 'backup failed');
      error = deps.redact(`failed (ref ${ref}): ${(err as Error).message}`);
    }
    await history.fail(lock.id, { now: deps.now(), error }).catch(() => {});
    m.duration.set({ target }, durationMs / 1000);
    m.runs.inc({ target, trigger: opts.trigger, outcome: 'failed' });
    log.warn({ error }, 'backup failed');
    return { target, status: 'failed', id: lock.id, error, durationMs };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    lock.lost.removeEventListener('abort', onLockLost);
    await lock.release();
  }
}

/** Several targets, one after the other (the platform's servers are not loaded all at once). */
export async function runBackups(
  deps: BackupDeps,
  targets: Target[],
  opts: RunOptions,
): Promise<TargetResult[]> {
  const out: TargetResult[] = [];
  for (const t of targets) out.push(await runBackup(deps, t, opts));
  return out;
}

/** Sets the last-success gauges from history (after a restart the metric must not look like "never"). */
export async function primeBackupMetrics(
  deps: Pick<Deps, 'pool' | 'metrics'>,
  targets: Target[],
): Promise<void> {
  const history = new BackupHistory(deps.pool);
  for (const target of targets) {
    const row = await history.lastGood(target);
    if (row?.finished_at) deps.metrics.backup.lastSuccess.set({ target }, row.finished_at.getTime() / 1000);
    if (row?.bytes) deps.metrics.backup.bytes.set({ target }, Number(row.bytes));
  }
}
