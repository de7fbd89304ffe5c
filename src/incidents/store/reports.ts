import type { Queryable } from './rows.ts';

/*
 * Read-only queries over the incident tables for reports: post-incident statistics and export,
 * an alert's earlier incidents (shown on a new root), the daily digest's incident figures. Rows come
 * back as PostgreSQL returns them; each report maps them to what it shows.
 */

type Row = Record<string, unknown>;

/** Incidents started in [since, now] with their labels, time to acknowledge and resolve (at most 50 000). */
export async function incidentTimes(db: Queryable, since: Date, now: Date): Promise<Row[]> {
  const r = await db.query(
    `SELECT alertname, common_labels, group_labels, time_to_ack_ms, time_to_resolve_ms
       FROM incidents WHERE started_at >= $1 AND started_at <= $2 ORDER BY started_at LIMIT 50000`,
    [since, now],
  );
  return r.rows;
}

/** Per alert name, incidents started in [since, now]: how many, their flaps and alerts. */
export async function noiseByAlert(db: Queryable, since: Date, now: Date): Promise<Row[]> {
  const r = await db.query(
    `SELECT i.alertname, count(*)::int AS incidents, COALESCE(sum(i.flap_count), 0)::int AS flaps,
            COALESCE(sum(a.n), 0)::int AS alerts
       FROM incidents i
       LEFT JOIN LATERAL (SELECT count(*) AS n FROM incident_alerts WHERE incident_id = i.id) a ON true
      WHERE i.started_at >= $1 AND i.started_at <= $2
      GROUP BY i.alertname`,
    [since, now],
  );
  return r.rows;
}

/**
 * Incidents started since `since` (oldest first, at most `limit`), each row with its postmortem's
 * root cause and lessons, its alert count and its open and total follow-ups.
 */
export async function incidentsForExport(db: Queryable, since: Date, limit: number): Promise<Row[]> {
  const r = await db.query(
    `SELECT i.*, COALESCE(p.root_cause, '') AS pm_root_cause, COALESCE(p.lessons, '') AS pm_lessons,
            (SELECT count(*) FROM incident_alerts a WHERE a.incident_id = i.id)::int AS alert_count,
            (SELECT count(*) FROM incident_followups f WHERE f.incident_id = i.id AND f.closed_at IS NULL)::int AS f_open,
            (SELECT count(*) FROM incident_followups f WHERE f.incident_id = i.id)::int AS f_total
       FROM incidents i LEFT JOIN incident_postmortems p ON p.incident_id = i.id
      WHERE i.started_at >= $1 ORDER BY i.started_at, i.id LIMIT ${Math.max(1, Math.floor(limit))}`,
    [since],
  );
  return r.rows;
}

/** Incidents of an alert name opened before incident `beforeId`, started since `since` (newest first, at most 1000). */
export async function earlierIncidents(
  db: Queryable,
  alertname: string,
  beforeId: number,
  since: Date,
): Promise<Row[]> {
  const r = await db.query(
    `SELECT id, status, common_labels, group_labels, started_at, resolved_by, time_to_resolve_ms, channel, root_ts
       FROM incidents
      WHERE alertname = $1 AND id < $2 AND started_at >= $3
      ORDER BY started_at DESC, id DESC LIMIT 1000`,
    [alertname, beforeId, since],
  );
  return r.rows;
}

/** The daily digest's incident figures over (since, now]. */
export async function digestIncidentRows(db: Queryable, since: Date, now: Date) {
  const [byAlert, ack, resolve, open, flapping] = await Promise.all([
    db.query<{ alertname: string; n: number; flaps: number }>(
      `SELECT alertname, count(*)::int AS n, sum(flap_count)::int AS flaps FROM incidents
        WHERE created_at > $1 AND created_at <= $2
        GROUP BY alertname ORDER BY count(*) + sum(flap_count) DESC, alertname`,
      [since, now],
    ),
    db.query<{ median: number | null; worst: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_ack_ms) / 1000 AS median,
              max(time_to_ack_ms)::float8 / 1000 AS worst
         FROM incidents WHERE acked_at > $1 AND acked_at <= $2 AND time_to_ack_ms IS NOT NULL`,
      [since, now],
    ),
    db.query<{ median: number | null; worst: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_resolve_ms) / 1000 AS median,
              max(time_to_resolve_ms)::float8 / 1000 AS worst
         FROM incidents WHERE status = 'resolved' AND resolved_at > $1 AND resolved_at <= $2
          AND time_to_resolve_ms IS NOT NULL`,
      [since, now],
    ),
    db.query<{
      id: string;
      alertname: string;
      summary: string | null;
      severity: string;
      started_at: Date;
      channel: string;
      thread_ts: string | null;
      total: number;
    }>(
      `SELECT i.id, i.alertname, i.common_annotations->>'summary' AS summary, i.severity, i.started_at,
              i.channel, COALESCE(i.root_ts, s.root_ts) AS thread_ts, count(*) OVER ()::int AS total
         FROM incidents i LEFT JOIN incident_storms s ON s.id = i.storm_id
        WHERE i.status = 'firing' ORDER BY i.started_at, i.id LIMIT 10`,
    ),
    db.query<{ alertname: string; flaps: number }>(
      `SELECT alertname, sum(flap_count)::int AS flaps FROM incidents
        WHERE flap_count > 0
          AND (status = 'firing' OR (created_at > $1 AND created_at <= $2) OR resolved_at > $1)
        GROUP BY alertname ORDER BY sum(flap_count) DESC, alertname LIMIT 10`,
      [since, now],
    ),
  ]);
  return {
    byAlert: byAlert.rows,
    ack: ack.rows,
    resolve: resolve.rows,
    open: open.rows,
    flapping: flapping.rows,
  };
}

/** Firing incidents whose timeline has been still since `before` (oldest first, at most `limit`). */
export async function quietFiringIncidents(
  db: Queryable,
  before: Date,
  limit: number,
): Promise<Array<{ id: number; alertname: string; last: Date }>> {
  const r = await db.query<{ id: string; alertname: string; last: Date }>(
    `SELECT i.id, i.alertname, max(e.at) AS last FROM incidents i JOIN incident_events e ON e.incident_id = i.id
      WHERE i.status = 'firing' GROUP BY i.id HAVING max(e.at) < $1 ORDER BY max(e.at) LIMIT $2`,
    [before, limit],
  );
  return r.rows.map((row) => ({ id: Number(row.id), alertname: row.alertname, last: row.last }));
}
