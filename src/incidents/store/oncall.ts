import type { Queryable } from './rows.ts';

/*
 * The on-call engine's statements that read or write incident rows. The oncall_* tables are the
 * engine's (src/oncall/engine.ts); a statement here that touches them too takes the on-call part
 * as parameters, so each stays one statement (one round trip, one snapshot).
 */

/** An unacknowledged firing incident whose current life (creation or latest reopening) has no steps planned. */
export interface IncidentToPlan {
  id: number;
  severity: string;
  sev: number | null;
  flapCount: number;
  /** When its current life began. */
  start: Date;
}

/**
 * Unacknowledged firing incidents whose current life began after `since` and has no first step
 * (`step:0`, or `step:<flap>:0` after a reopening) in oncall_pages yet; at most 500. A group listed
 * in a storm message is not paged on its own (hundreds of pages for one storm): the groups before
 * the storm were. Nor is one opened from the storm message into its own thread: someone opened it,
 * and its steps, counted from its start, would all be overdue at once.
 */
export async function incidentsToPlan(db: Queryable, since: Date): Promise<IncidentToPlan[]> {
  const r = await db.query(
    `SELECT id, severity, sev, flap_count, start FROM (
       SELECT i.id, i.severity, i.sev, i.flap_count,
              CASE WHEN i.flap_count = 0 THEN i.created_at
                   ELSE COALESCE((SELECT max(e.at) FROM incident_events e
                                   WHERE e.incident_id = i.id AND e.kind = 'reopened'), i.created_at) END AS start,
              CASE WHEN i.flap_count = 0 THEN 'step:0' ELSE 'step:' || i.flap_count || ':0' END AS first_key
         FROM incidents i
        WHERE i.status = 'firing' AND i.acked_at IS NULL AND i.storm_id IS NULL
          AND i.promoted_from_storm_id IS NULL) c
      WHERE start > $1
        AND NOT EXISTS (SELECT 1 FROM oncall_pages p WHERE p.incident_id = c.id AND p.key = c.first_key)
      ORDER BY id LIMIT 500`,
    [since],
  );
  return r.rows.map((row) => ({
    id: Number(row.id),
    severity: String(row.severity),
    sev: row.sev === null ? null : Number(row.sev),
    flapCount: Number(row.flap_count),
    start: row.start as Date,
  }));
}

/** When the incident's current life began: its latest reopening, or `createdAt`. */
export async function currentLifeStart(db: Queryable, incidentId: number, createdAt: Date): Promise<Date> {
  const r = await db.query(
    `SELECT COALESCE((SELECT max(at) FROM incident_events WHERE incident_id = $1 AND kind = 'reopened'),
                     $2::timestamptz) AS start`,
    [incidentId, createdAt],
  );
  return r.rows[0].start as Date;
}

/**
 * Plans the next reminder (an oncall_pages row) of each acknowledged incident still firing that has
 * none pending: `afterSeconds` after the acknowledgement, `everySeconds` after the last one fired.
 * Returns how many were planned.
 */
export async function planReminderPages(db: Queryable, afterSeconds: number, everySeconds: number) {
  const r = await db.query(
    `INSERT INTO oncall_pages (incident_id, key, kind, step, due_at)
     SELECT i.id, 'reminder:' || (COALESCE(r.n, 0) + 1), 'reminder', COALESCE(r.n, 0) + 1,
            GREATEST(i.acked_at + make_interval(secs => $1), r.last_fired + make_interval(secs => $2))
       FROM incidents i
       LEFT JOIN LATERAL (
         SELECT max(step) AS n, max(fired_at) AS last_fired,
                bool_or(fired_at IS NULL AND cancelled_at IS NULL) AS pending
           FROM oncall_pages WHERE incident_id = i.id AND kind = 'reminder') r ON true
      WHERE i.status = 'firing' AND i.acked_at IS NOT NULL AND NOT COALESCE(r.pending, false)
     ON CONFLICT (incident_id, key) DO NOTHING`,
    [afterSeconds, everySeconds],
  );
  return r.rowCount ?? 0;
}

/**
 * Incidents acknowledged, resolved or now listed in a storm message (a group that joined the storm
 * after its escalation was planned) that still have step pages pending (at most 200).
 */
export async function incidentsWithStaleSteps(db: Queryable): Promise<number[]> {
  const r = await db.query(
    `SELECT DISTINCT p.incident_id FROM oncall_pages p JOIN incidents i ON i.id = p.incident_id
      WHERE p.kind = 'step' AND p.fired_at IS NULL AND p.cancelled_at IS NULL
        AND (i.acked_at IS NOT NULL OR i.status = 'resolved' OR i.storm_id IS NOT NULL)
      LIMIT 200`,
  );
  return r.rows.map((row) => Number(row.incident_id));
}

/** A fired page as the timeline records it, and the on-call part written with it. */
export interface PageFired {
  incidentId: number;
  /** The 'oncall_page' event's data; `post`: a thread reply (not for a stormed incident). */
  data: Record<string, unknown>;
  post: boolean;
  at: Date;
  page: {
    id: number;
    latenessMs: number;
    targets: unknown;
    deliveries: Array<{ kind: string; target: string }>;
  };
}

/**
 * In one round trip: the timeline event, the page marked fired, its deliveries, the version bump.
 * Returns the incident's new version and the ids of the deliveries created.
 */
export async function recordPageFired(
  db: Queryable,
  f: PageFired,
): Promise<{ version: number; deliveryIds: number[] }> {
  const r = await db.query(
    `WITH ev AS (
       INSERT INTO incident_events (incident_id, kind, data, post, at) VALUES ($1, 'oncall_page', $2, $3, $4)),
     pg AS (UPDATE oncall_pages SET fired_at = $4, lateness_ms = $6, targets = $7 WHERE id = $5),
     dl AS (
       INSERT INTO oncall_deliveries (page_id, kind, target, created_at)
       SELECT $5, d.kind, d.target, $4 FROM jsonb_to_recordset($8::jsonb) AS d(kind text, target text)
       ON CONFLICT (page_id, kind, target) DO NOTHING RETURNING id),
     v AS (UPDATE incidents SET version = version + 1, changed_at = $4 WHERE id = $1 RETURNING version)
     SELECT (SELECT version FROM v) AS version, (SELECT coalesce(array_agg(id), '{}') FROM dl) AS ids`,
    [
      f.incidentId,
      JSON.stringify(f.data),
      f.post,
      f.at,
      f.page.id,
      f.page.latenessMs,
      JSON.stringify(f.page.targets),
      JSON.stringify(f.page.deliveries),
    ],
  );
  const row = r.rows[0];
  return { version: Number(row.version), deliveryIds: (row.ids as string[]).map(Number) };
}
