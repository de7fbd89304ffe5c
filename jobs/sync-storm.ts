import { z } from 'zod';
import { syncStorm } from '../src/incidents/storm-sync.ts';
import { runSyncJob } from '../src/incidents/sync-job.ts';
import { defineJob } from '../src/queue/jobs.ts';

export const syncStormData = z.object({ stormId: z.number().int().positive() });

/** Makes Slack match one storm message: the groups it lists (see syncStorm). */
export default defineJob({
  name: 'sync-storm',
  queue: 'incidents',
  data: syncStormData,
  async run(data, deps, job, token) {
    return runSyncJob(deps, job, token, { stormId: data.stormId }, () => syncStorm(deps, data.stormId));
  },
});
