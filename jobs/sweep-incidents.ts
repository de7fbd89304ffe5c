import { z } from 'zod';
import { enqueueSync } from '../src/incidents/enqueue.ts';
import { remindUpdates } from '../src/incidents/manage.ts';
import { STORM_MEMBER_JOIN, STORM_VERSION_SQL } from '../src/incidents/storm-sync.ts';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * Every ~30 s: re-enqueues every incident and storm message whose Slack messages are behind the
 * stored state and that no worker is syncing. Redis holds only queues, so losing it (or a job)
 * loses nothing: this brings Slack back in line with PostgreSQL. Also trims old raw notifications.
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
      deps.logger.warn({ err: (err as Error).message }, 'update reminders failed; the next sweep retries'),
    );
    const incidents = await deps.pool.query(
      `SELECT id, version FROM incidents
        WHERE synced_version < version AND storm_id IS NULL AND (lease_until IS NULL OR lease_until < now())
        ORDER BY changed_at LIMIT 1000`,
    );
    const storms = await deps.pool.query(
      `SELECT s.id, ${STORM_VERSION_SQL}::bigint AS version
         FROM incident_storms s JOIN incidents i ON ${STORM_MEMBER_JOIN}
        WHERE s.lease_until IS NULL OR s.lease_until < now()
        GROUP BY s.id HAVING ${STORM_VERSION_SQL} > s.synced_version LIMIT 200`,
    );
    let enqueued = 0;
    for (const r of incidents.rows) {
      if (
        await enqueueSync(
          deps,
          { incidentId: Number(r.id), version: Number(r.version) },
          { replaceFinished: true },
        )
      )
        enqueued += 1;
    }
    for (const r of storms.rows) {
      if (
        await enqueueSync(
          deps,
          { stormId: Number(r.id), version: Number(r.version) },
          { replaceFinished: true },
        )
      )
        enqueued += 1;
    }
    // Raw notifications are kept 30 days (dedup needs only recent ones; repeats of older content
    // are recognised by the alert diff and add nothing either).
    await deps.pool.query(
      `DELETE FROM alert_notifications WHERE dedup_key IN (
         SELECT dedup_key FROM alert_notifications WHERE received_at < now() - interval '30 days' LIMIT 1000)`,
    );
    if (enqueued) deps.logger.info({ enqueued }, 'sweep re-enqueued incidents not in sync with Slack');
    return { behind: incidents.rowCount ?? 0, storms: storms.rowCount ?? 0, enqueued };
  },
});
