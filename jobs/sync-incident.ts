import { DelayedError, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { syncStorm } from '../src/incidents/storm-sync.ts';
import { syncIncident } from '../src/incidents/sync.ts';
import { deferIfRateLimited } from '../src/queue/defer.ts';
import { defineJob } from '../src/queue/jobs.ts';
import { isPermanentSlackError } from '../src/slack/errors.ts';

export const syncIncidentData = z
  .object({
    incidentId: z.number().int().positive().optional(),
    stormId: z.number().int().positive().optional(),
  })
  .refine(
    (d) => (d.incidentId === undefined) !== (d.stormId === undefined),
    'exactly one of incidentId, stormId',
  );

/**
 * Makes Slack match one stored incident (or storm message). Slack's 429 and the bot's own pacing
 * defer the job for that channel only; an incident another worker is syncing is retried in 1 s.
 */
export default defineJob({
  name: 'sync-incident',
  queue: 'incidents',
  data: syncIncidentData,
  async run(data, deps, job, token) {
    try {
      const outcome = data.incidentId
        ? await syncIncident(deps, data.incidentId)
        : await syncStorm(deps, data.stormId as number);
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
        deps.logger.error({ err, ...data }, 'incident sync refused by Slack');
        throw new UnrecoverableError((err as Error).message);
      }
      return deferIfRateLimited(err, job, token);
    }
  },
});
