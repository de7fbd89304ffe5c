import type { JobsOptions } from 'bullmq';
import type { Deps } from '../deps.ts';

export type SyncTarget = { incidentId: number; version: number } | { stormId: number; version: number };

export const SYNC_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs vanish so the same id can be added again; the sweep clears failed ones.
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3_600, count: 1_000 },
};

/** One job per (incident, version): waiting duplicates coalesce; the worker catches up to the newest. */
export function syncJobId(target: SyncTarget): string {
  return 'incidentId' in target
    ? `inc-${target.incidentId}-v${target.version}`
    : `storm-${target.stormId}-v${target.version}`;
}

function jobData(target: SyncTarget) {
  return 'incidentId' in target ? { incidentId: target.incidentId } : { stormId: target.stormId };
}

/** Storm messages change with every member: one edit job per storm per window, run at its end. */
const STORM_WINDOW_MS = 2_000;

/**
 * A storm message's sync, coalesced: all changes committed within one 2-second window share one
 * job that runs after the window ends (so it sees them all).
 */
export async function enqueueStormSync(deps: Deps, stormId: number, now = Date.now()) {
  const bucket = Math.ceil((now + 1) / STORM_WINDOW_MS);
  await deps.queues.enqueue(
    'sync-incident',
    { stormId },
    { ...SYNC_JOB_OPTIONS, jobId: `storm-${stormId}-t${bucket}`, delay: bucket * STORM_WINDOW_MS - now },
  );
}

/**
 * Enqueues a sync. When Redis is down this fails, which is fine: the state is in PostgreSQL and
 * the sweep re-drives it. Returns whether the job is (now) queued.
 */
export async function enqueueSync(deps: Deps, target: SyncTarget, opts: { replaceFinished?: boolean } = {}) {
  const jobId = syncJobId(target);
  if (opts.replaceFinished) {
    const existing = await deps.queues.use('incidents', (q) => q.getJob(jobId));
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed') return false;
      await existing.remove().catch(() => {});
    }
  }
  await deps.queues.enqueue('sync-incident', jobData(target), { ...SYNC_JOB_OPTIONS, jobId });
  return true;
}
