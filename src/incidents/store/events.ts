import { type IncidentEvent, type Queryable, rowToEvent } from './rows.ts';

/*
 * An incident's timeline (incident_events): what happened, and which of it the thread shows. A
 * posted event keeps the ts of its reply; the checklist's reply is edited when its ticks change
 * (`rev` grows with every tick, `synced_rev` is the revision the reply shows).
 */

export async function loadEvents(db: Queryable, incidentId: number): Promise<IncidentEvent[]> {
  const r = await db.query('SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id', [incidentId]);
  return r.rows.map(rowToEvent);
}

export async function addEvent(
  db: Queryable,
  incidentId: number,
  kind: string,
  data: Record<string, unknown>,
  opts: { actor?: string | null; post?: boolean; at: Date },
): Promise<number> {
  const r = await db.query(
    `INSERT INTO incident_events (incident_id, kind, data, actor, post, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [incidentId, kind, JSON.stringify(data), opts.actor ?? null, opts.post ?? true, opts.at],
  );
  return Number(r.rows[0].id);
}

/**
 * A command run into the thread (timeline only), once per job id (a retried delivery records it
 * once); nothing when the incident does not exist.
 */
export async function addCommandEvent(
  db: Queryable,
  incidentId: number,
  data: Record<string, unknown> & { jobId: string },
  actor: string,
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO incident_events (incident_id, kind, data, actor, post, at)
     SELECT $1, 'command', $2, $3, false, $4
      WHERE EXISTS (SELECT 1 FROM incidents WHERE id = $1)
        AND NOT EXISTS (SELECT 1 FROM incident_events
                         WHERE incident_id = $1 AND kind = 'command' AND data->>'jobId' = $5)`,
    [incidentId, JSON.stringify(data), actor, at, data.jobId],
  );
}

/** Thread replies not posted yet, and checklist replies whose ticks changed since posted (timeline order). */
export async function pendingThreadEvents(db: Queryable, incidentId: number): Promise<IncidentEvent[]> {
  const r = await db.query(
    'SELECT * FROM incident_events WHERE incident_id = $1 AND post AND (posted_ts IS NULL OR synced_rev < rev) ORDER BY id',
    [incidentId],
  );
  return r.rows.map(rowToEvent);
}

/**
 * Records the reply's ts. `shown: true` when the reply was posted just now with the current ticks
 * (the checklist's revision is then in sync); an adopted earlier post may show older ones.
 */
export async function markEventPosted(db: Queryable, eventId: number, ts: string, shown: boolean) {
  await db.query(
    shown
      ? 'UPDATE incident_events SET posted_ts = $2, synced_rev = rev WHERE id = $1'
      : 'UPDATE incident_events SET posted_ts = $2 WHERE id = $1',
    [eventId, ts],
  );
}

/** The checklist reply now shows revision `rev`. */
export async function markChecklistShown(db: Queryable, eventId: number, rev: number) {
  await db.query('UPDATE incident_events SET synced_rev = $2 WHERE id = $1 AND synced_rev < $2', [
    eventId,
    rev,
  ]);
}

/** Whether the incident's checklist reply is still to be posted. */
export async function checklistUnposted(db: Queryable, incidentId: number): Promise<boolean> {
  const r = await db.query(
    "SELECT 1 FROM incident_events WHERE incident_id = $1 AND kind = 'checklist' AND posted_ts IS NULL",
    [incidentId],
  );
  return (r.rowCount ?? 0) > 0;
}
