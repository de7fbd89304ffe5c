import { DelayedError } from 'bullmq';
import { z } from 'zod';
import { enqueueEvidence } from '../src/incidents/evidence.ts';
import { checklistUnposted } from '../src/incidents/store.ts';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * The hook for features that add to a new incident thread. Enqueued exactly once per incident, right
 * after its root message is first posted (job id `incident-opened-<incidentId>`). Evidence: enqueues
 * the diagnostics the alert calls for (`incidents.evidence`) as `run-command` jobs into the thread,
 * with job ids per incident and item, so a retry posts nothing twice.
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

/** How long evidence waits for the checklist to be posted before it goes ahead anyway. */
const CHECKLIST_WAIT_MS = 15_000;

export default defineJob({
  name: 'incident-opened',
  queue: 'incidents',
  data: incidentOpenedData,
  options: { attempts: 3, removeOnComplete: { age: 3_600 } },
  async run(data, deps, job, token) {
    // The checklist is the thread's first reply; evidence follows it (a few seconds at most).
    if (
      token &&
      Date.now() - job.timestamp < CHECKLIST_WAIT_MS &&
      (await checklistUnposted(deps.pool, data.incidentId))
    ) {
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
    const evidence = await enqueueEvidence(deps, data);
    deps.logger.debug({ incidentId: data.incidentId, evidence }, 'incident opened');
    return { incidentId: data.incidentId, evidence };
  },
});
