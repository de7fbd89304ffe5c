import { z } from 'zod';
import { enqueueSync } from '../src/incidents/enqueue.ts';
import { remindUpdates } from '../src/incidents/manage.ts';
import { incidentsBehind, stormsBehind, trimOldNotifications } from '../src/incidents/store.ts';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * Every ~30 s: re-enqueues every incident (job `sync-incident`) and storm message (`sync-storm`)
 * whose Slack messages are behind the stored state and that no worker is syncing. Redis holds only
 * queues, so losing it (or a job) loses nothing: this brings Slack back in line with PostgreSQL.
 * Also trims old raw notifications.
 */
export default defineJob({
  name: 'sweep-incidents',
  queue: 'maintenance',
  data: z.object({}).passthrough(),
  options: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } },
  schedule: (deps) => {
    const every = deps.config.file.incidents.sweepEverySeconds;
    return {
      pattern: every < 60 ? `*/${every} * * * * *` : `0 */${Math.max(1, Math.round(every / 60))} * * * *`,
      data: {},
    };
  },
  async run(_data, deps) {
    // SEV1/SEV2 incidents without a status update for a while: remind the communications lead.
    await remindUpdates(deps).catch((err) =>
      deps.logger.warn({ err }, 'update reminders failed; the next sweep retries'),
    );
    const incidents = await incidentsBehind(deps.pool, 1000);
    const storms = await stormsBehind(deps.pool, 200);
    let enqueued = 0;
    for (const target of [...incidents, ...storms]) {
      if (await enqueueSync(deps, target, { replaceFinished: true })) enqueued += 1;
    }
    await trimOldNotifications(deps.pool);
    if (enqueued) deps.logger.info({ enqueued }, 'sweep re-enqueued incidents not in sync with Slack');
    return { behind: incidents.length, storms: storms.length, enqueued };
  },
});
