import { z } from 'zod';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * The hook for features that add to a new incident thread (e.g. evidence: diagnostics posted as
 * replies). Enqueued exactly once per incident, right after its root message is first posted
 * (job id `incident-opened-<incidentId>`). Replace `run` (or enqueue follow-up jobs from it).
 */
export const incidentOpenedData = z.object({
  incidentId: z.number().int().positive(),
  channel: z.string().min(1),
  /** ts of the root message: post replies with thread_ts = threadTs. */
  threadTs: z.string().min(1),
  alertname: z.string(),
  /** groupLabels over commonLabels of the group. */
  labels: z.record(z.string(), z.string()),
});

export default defineJob({
  name: 'incident-opened',
  queue: 'incidents',
  data: incidentOpenedData,
  options: { attempts: 3, removeOnComplete: { age: 3_600 } },
  async run(data, deps) {
    deps.logger.debug({ incidentId: data.incidentId }, 'incident opened');
    return { incidentId: data.incidentId };
  },
});
