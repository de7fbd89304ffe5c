import { z } from 'zod';
import { enqueueSync } from '../src/incidents/enqueue.ts';
import { syncIncident } from '../src/incidents/sync.ts';
import { runSyncJob } from '../src/incidents/sync-job.ts';
import { defineJob } from '../src/queue/jobs.ts';

export const syncIncidentData = z
  .object({
    incidentId: z.number().int().positive().optional(),
    /** Only in jobs enqueued before storm messages got their own job (`sync-storm`); see run(). */
    stormId: z.number().int().positive().optional(),
  })
  .refine(
    (d) => (d.incidentId === undefined) !== (d.stormId === undefined),
    'exactly one of incidentId, stormId',
  );

/** Makes Slack match one stored incident: its root message and thread (see syncIncident). */
export default defineJob({
  name: 'sync-incident',
  queue: 'incidents',
  data: syncIncidentData,
  async run(data, deps, job, token) {
    if (data.incidentId === undefined) {
      // A storm message's job still waiting in Redis from before the upgrade: handed to the storm
      // sync as a `sync-storm` job (coalesced like any storm edit), not synced here.
      await enqueueSync(deps, { stormId: data.stormId as number });
      return { outcome: 'handed to sync-storm' };
    }
    const incidentId = data.incidentId;
    return runSyncJob(deps, job, token, { incidentId }, () => syncIncident(deps, incidentId));
  },
});
