import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Deps } from '../deps.ts';
import { deferIfRateLimited } from '../queue/defer.ts';
import { isPermanentSlackError } from '../slack/errors.ts';
import type { SyncOutcome } from './sync.ts';

/**
 * How the sync jobs (`sync-incident`, `sync-storm`) run a sync: Slack's 429 and the bot's own
 * pacing defer the job for that channel only; a row another worker is syncing is retried in 1 s;
 * a message Slack will never accept fails the job for good (the sweep tries again later).
 */
export async function runSyncJob(
  deps: Deps,
  job: Job,
  token: string | undefined,
  what: Record<string, number>,
  sync: () => Promise<SyncOutcome>,
): Promise<{ outcome: SyncOutcome }> {
  try {
    const outcome = await sync();
    if (outcome === 'busy' && token) {
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    return { outcome };
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    if (isPermanentSlackError(err)) {
      // A message Slack will never accept (e.g. the channel is gone): retrying now cannot help;
      // the sweep tries again later, so fixing the channel makes it catch up.
      deps.logger.error({ err, ...what }, 'incident sync refused by Slack');
      throw new UnrecoverableError((err as Error).message);
    }
    return deferIfRateLimited(err, job, token);
  }
}
