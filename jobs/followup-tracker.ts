import { z } from 'zod';
import { sendToTracker } from '../src/postmortem/tracker.ts';
import { defineJob } from '../src/queue/jobs.ts';

/** A new follow-up sent to the issue tracker webhook (`postmortem.tracker`), retried until it is accepted. */
export default defineJob({
  name: 'followup-tracker',
  queue: 'maintenance',
  data: z.object({ followupId: z.number().int().positive() }),
  options: { attempts: 8, backoff: { type: 'exponential', delay: 1_000 } },
  async run(data, deps) {
    return sendToTracker(deps, data.followupId);
  },
});
