import type { JobsOptions } from 'bullmq';
import type { Deps } from '../deps.ts';

/**
 * What must be synced with Slack after a change: an incident's own root and thread (job
 * `sync-incident`, one per incident version), or the storm message listing it (job `sync-storm`,
 * coalesced per storm and 2-second window; the sweep names the storm's version instead).
 */
export type SyncTarget = { incidentId: number; version: number } | { stormId: number; version?: number };

/** The sync a change of an incident needs: its own thread, or (stormed) the storm message listing it. */
export function syncTargetOf(inc: { id: number; stormId: number | null }, version: number): SyncTarget {
  return inc.stormId !== null ? { stormId: inc.stormId } : { incidentId: inc.id, version };
}

export const SYNC_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs vanish so the same id can be added again; the sweep clears failed ones.
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3_600, count: 1_000 },
};

/** Storm messages change with every member: one edit job per storm per window, run at its end. */
const STORM_WINDOW_MS = 2_000;

/**
 * The job for a target. One job per (incident, version): waiting duplicates coalesce; the worker
 * catches up to the newest. A storm message's sync without a version is coalesced by time: all
 * changes committed within one 2-second window share one job that runs after the window ends (so
 * it sees them all); with a version (the sweep), one job per (storm, version).
 */
function syncJob(target: SyncTarget, now: number) {
  if ('incidentId' in target) {
    return {
      name: 'sync-incident',
      data: { incidentId: target.incidentId },
      opts: { ...SYNC_JOB_OPTIONS, jobId: `inc-${target.incidentId}-v${target.version}` },
    };
  }
  const data = { stormId: target.stormId };
  if (target.version !== undefined) {
    return {
      name: 'sync-storm',
      data,
      opts: { ...SYNC_JOB_OPTIONS, jobId: `storm-${target.stormId}-v${target.version}` },
    };
  }
  const bucket = Math.ceil((now + 1) / STORM_WINDOW_MS);
  return {
    name: 'sync-storm',
    data,
    opts: {
      ...SYNC_JOB_OPTIONS,
      jobId: `storm-${target.stormId}-t${bucket}`,
      delay: bucket * STORM_WINDOW_MS - now,
    },
  };
}

/**
 * Enqueues one sync. When Redis is down this fails, which is fine: the state is in PostgreSQL and
 * the sweep re-drives it. `replaceFinished` (the sweep) replaces a failed or completed job of the
 * same id; returns whether the job is (now) queued.
 */
export async function enqueueSync(
  deps: Deps,
  target: SyncTarget,
  opts: { replaceFinished?: boolean; now?: number } = {},
): Promise<boolean> {
  const job = syncJob(target, opts.now ?? Date.now());
  if (opts.replaceFinished) {
    const existing = await deps.queues.use('incidents', (q) => q.getJob(job.opts.jobId));
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed') return false;
      await existing.remove().catch(() => {});
    }
  }
  await deps.queues.enqueue(job.name, job.data, job.opts);
  return true;
}

/**
 * Enqueues what a committed change must sync (the one way domain code asks for syncs). A target
 * not enqueued (Redis down) is logged, not thrown: the change is stored and the sweep re-drives it.
 */
export async function enqueueSyncs(deps: Deps, targets: readonly SyncTarget[]): Promise<void> {
  for (const target of targets) {
    await enqueueSync(deps, target).catch((err) =>
      deps.logger.warn({ ...target, err }, 'sync not enqueued; the sweep will catch up'),
    );
  }
}
