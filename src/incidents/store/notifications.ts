import type { Queryable } from './rows.ts';
import { type StormProbe, type StormRule, stormProbeOf, stormProbeParams, stormProbeSql } from './storms.ts';

/*
 * Intake's bookkeeping: every notification received (alert_notifications, keyed by its dedup key)
 * and each alert group's current incident (alert_groups, whose row is also the lock that applies a
 * group's notifications one at a time).
 */

/** What a notification row needs. */
export interface NotificationRow {
  dedupKey: string;
  groupKey: string;
  status: string;
  alertCount: number;
  payload: unknown;
  receivedAt: Date;
}

/**
 * Stores a notification and, only when it is new, takes its group's row lock (an upsert).
 * `duplicate` when the dedup key was seen before; otherwise the group's current incident, if any,
 * and the channel's storm probe (read in the same statement: what a new incident needs to know
 * about storm mode, without another round trip).
 */
export async function recordNotification(
  db: Queryable,
  n: NotificationRow,
  storm: StormRule,
): Promise<{ duplicate: true } | { duplicate: false; currentIncidentId: number | null; storm: StormProbe }> {
  // Named: prepared once per connection, then executed without being parsed and planned again
  // (every notification runs it; planning it was ~1 ms of PostgreSQL's time).
  const g = await db.query({
    name: 'intake-record-notification',
    text: `WITH n AS (
       INSERT INTO alert_notifications (dedup_key, group_key, status, alert_count, payload, received_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key),
     g AS (
       INSERT INTO alert_groups (group_key) SELECT $2 FROM n
       ON CONFLICT (group_key) DO UPDATE SET group_key = EXCLUDED.group_key RETURNING current_incident_id)
     SELECT g.current_incident_id, probe.* FROM g, (${stormProbeSql(7)}) AS probe`,
    values: [
      n.dedupKey,
      n.groupKey,
      n.status,
      n.alertCount,
      JSON.stringify(n.payload),
      n.receivedAt,
      ...stormProbeParams(storm),
    ],
  });
  const row = g.rows[0];
  if (!row) return { duplicate: true };
  const currentId = row.current_incident_id as string | null;
  return {
    duplicate: false,
    currentIncidentId: currentId ? Number(currentId) : null,
    storm: stormProbeOf(storm, row),
  };
}

/**
 * Links the notification to the incident it updated and, when a user would see a change, adds one
 * to the incident's version (the sync's work). Returns the version after it.
 */
export async function finishNotification(
  db: Queryable,
  incidentId: number,
  dedupKey: string,
  changed: boolean,
  now: Date,
): Promise<number> {
  const v = await db.query(
    `WITH n AS (UPDATE alert_notifications SET incident_id = $1 WHERE dedup_key = $2)
     UPDATE incidents SET version = version + CASE WHEN $3 THEN 1 ELSE 0 END,
            changed_at = CASE WHEN $3 THEN $4 ELSE changed_at END
      WHERE id = $1 RETURNING version`,
    [incidentId, dedupKey, changed, now],
  );
  return Number(v.rows[0]?.version ?? 0);
}

/**
 * Raw notifications are kept 30 days (dedup needs only recent ones; repeats of older content are
 * recognised by the alert diff and add nothing either). Deletes up to 1000 per call.
 */
export async function trimOldNotifications(db: Queryable): Promise<void> {
  await db.query(
    `DELETE FROM alert_notifications WHERE dedup_key IN (
       SELECT dedup_key FROM alert_notifications WHERE received_at < now() - interval '30 days' LIMIT 1000)`,
  );
}
