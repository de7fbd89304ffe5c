import type { StoredAlert } from '../diff.ts';
import { type Incident, type Queryable, rowToAlert, rowToIncident } from './rows.ts';

/*
 * Incident rows: opened by an alert group or declared by hand, loaded (optionally row-locked, the
 * lock every change of an incident takes), their alerts, their version (every change a user would
 * see adds one; the sync makes Slack show the newest), and the look-ups other features need.
 */

export async function loadIncident(
  db: Queryable,
  id: number,
  forUpdate = false,
): Promise<Incident | undefined> {
  const r = await db.query(`SELECT * FROM incidents WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] ? rowToIncident(r.rows[0]) : undefined;
}

export async function loadAlerts(db: Queryable, incidentId: number): Promise<StoredAlert[]> {
  const r = await db.query(
    'SELECT * FROM incident_alerts WHERE incident_id = $1 ORDER BY starts_at, fingerprint',
    [incidentId],
  );
  return r.rows.map(rowToAlert);
}

/** The alerts as saveAlerts and openAlertIncident pass them to jsonb_to_recordset. */
function alertsJson(alerts: readonly StoredAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      starts_at: a.startsAt,
      ends_at: a.endsAt,
      labels: a.labels,
      annotations: a.annotations,
      generator_url: a.generatorURL,
    })),
  );
}

const ALERT_COLUMNS = `a(fingerprint text, status text, starts_at timestamptz, ends_at timestamptz, labels jsonb,
  annotations jsonb, generator_url text)`;

export async function saveAlerts(db: Queryable, incidentId: number, alerts: readonly StoredAlert[]) {
  if (alerts.length === 0) return;
  await db.query(
    `INSERT INTO incident_alerts (incident_id, fingerprint, status, starts_at, ends_at, labels, annotations, generator_url)
     SELECT $1, a.fingerprint, a.status, a.starts_at, a.ends_at, a.labels, a.annotations, a.generator_url
       FROM jsonb_to_recordset($2::jsonb) AS ${ALERT_COLUMNS}
     ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = EXCLUDED.status,
       starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, labels = EXCLUDED.labels,
       annotations = EXCLUDED.annotations, generator_url = EXCLUDED.generator_url`,
    [incidentId, alertsJson(alerts)],
  );
}

/** Marks the incident as changed: the sync worker has work (a storm's version is the sum of its members'). */
export async function bumpVersion(db: Queryable, incidentId: number, now: Date): Promise<number> {
  const r = await db.query(
    'UPDATE incidents SET version = version + 1, changed_at = $2 WHERE id = $1 RETURNING version',
    [incidentId, now],
  );
  return Number(r.rows[0]?.version ?? 0);
}

/** The columns of a new alert incident (intake computes them from the notification). */
export type NewAlertIncident = Pick<
  Incident,
  | 'groupKey'
  | 'channel'
  | 'alertname'
  | 'severity'
  | 'receiver'
  | 'externalUrl'
  | 'groupLabels'
  | 'commonLabels'
  | 'commonAnnotations'
  | 'truncatedAlerts'
  | 'startedAt'
  | 'createdAt'
  | 'stormId'
  | 'sev'
>;

/** What opening an alert group's incident writes besides the incident row. */
export interface Opening {
  alerts: readonly StoredAlert[];
  /** The 'opened' timeline event's data. */
  opened: Record<string, unknown>;
  /** Whether the checklist is the thread's first reply (a stormed incident has no thread). */
  withChecklist: boolean;
  /** The notification that opened it: linked to it, as is the group (its current incident). */
  dedupKey: string;
}

/**
 * Opens an alert group's incident (firing, version 1) in one statement: the incident, its alerts,
 * its opening events ('opened' timeline only, then the checklist), and the links from its group and
 * from the notification that opened it. One round trip instead of four: in a storm, intake's speed
 * is its round trips. Returns its id.
 */
export async function openAlertIncident(db: Queryable, n: NewAlertIncident, o: Opening): Promise<number> {
  // Named, like intake's other statement: prepared once per connection.
  const r = await db.query({
    name: 'intake-open-alert-incident',
    text: `WITH i AS (
       INSERT INTO incidents (group_key, channel, status, alertname, severity, receiver, external_url,
         group_labels, common_labels, common_annotations, truncated_alerts, started_at, created_at,
         changed_at, storm_id, sev)
       VALUES ($1, $2, 'firing', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id),
     a AS (
       INSERT INTO incident_alerts (incident_id, fingerprint, status, starts_at, ends_at, labels, annotations, generator_url)
       SELECT i.id, a.fingerprint, a.status, a.starts_at, a.ends_at, a.labels, a.annotations, a.generator_url
         FROM i, jsonb_to_recordset($15::jsonb) AS ${ALERT_COLUMNS}),
     e AS (
       INSERT INTO incident_events (incident_id, kind, data, post, at)
       SELECT i.id, k.kind, k.data, k.post, $12
         FROM i, (VALUES (1, 'opened', $16::jsonb, false), (2, 'checklist', '{}'::jsonb, true)) AS k(n, kind, data, post)
        WHERE k.n = 1 OR $17 ORDER BY k.n),
     g AS (UPDATE alert_groups SET current_incident_id = i.id FROM i WHERE group_key = $1),
     n AS (UPDATE alert_notifications SET incident_id = i.id FROM i WHERE dedup_key = $18)
     SELECT id FROM i`,
    values: [
      n.groupKey,
      n.channel,
      n.alertname,
      n.severity,
      n.receiver,
      n.externalUrl,
      JSON.stringify(n.groupLabels),
      JSON.stringify(n.commonLabels),
      JSON.stringify(n.commonAnnotations),
      n.truncatedAlerts,
      n.startedAt,
      n.createdAt,
      n.stormId,
      n.sev,
      alertsJson(o.alerts),
      JSON.stringify(o.opened),
      o.withChecklist,
      o.dedupKey,
    ],
  });
  return Number(r.rows[0].id);
}

/** The columns of an incident declared by hand. */
export interface NewDeclaredIncident {
  groupKey: string;
  channel: string;
  title: string;
  severityLabel: string;
  labels: Record<string, string>;
  at: Date;
  sev: number;
  by: string;
}

/**
 * Opens a declared incident once per group key: two deliveries of one submission (a retried modal,
 * a re-run CLI) wait for each other on the key's lock, and the second finds the first's incident.
 */
export async function insertDeclaredIncident(
  db: Queryable,
  d: NewDeclaredIncident,
): Promise<{ id: number; created: boolean }> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [d.groupKey]);
  const existing = await db.query('SELECT id FROM incidents WHERE group_key = $1', [d.groupKey]);
  if (existing.rowCount) return { id: Number(existing.rows[0].id), created: false };
  const r = await db.query(
    `INSERT INTO incidents (group_key, channel, status, alertname, severity, receiver, common_labels,
       common_annotations, started_at, created_at, changed_at, sev, declared_by)
     VALUES ($1, $2, 'firing', $3, $4, 'declared', $5, $6, $7, $7, $7, $8, $9) RETURNING id`,
    [
      d.groupKey,
      d.channel,
      d.title,
      d.severityLabel,
      JSON.stringify(d.labels),
      JSON.stringify({ summary: d.title }),
      d.at,
      d.sev,
      d.by,
    ],
  );
  return { id: Number(r.rows[0].id), created: true };
}

/** A resolved group firing again: firing, one more flap, resolution cleared. */
export async function markReopened(db: Queryable, incidentId: number) {
  await db.query(
    `UPDATE incidents SET status = 'firing', flap_count = flap_count + 1, resolved_at = NULL,
       resolved_by = NULL, time_to_resolve_ms = NULL WHERE id = $1`,
    [incidentId],
  );
}

/** How many alerts Alertmanager left out of the group's notification. */
export async function setTruncatedAlerts(db: Queryable, incidentId: number, n: number) {
  await db.query('UPDATE incidents SET truncated_alerts = $2 WHERE id = $1', [incidentId, n]);
}

/** The newest firing incident nobody has acknowledged yet. */
export async function newestUnacknowledged(db: Queryable): Promise<number | undefined> {
  const r = await db.query<{ id: string }>(
    "SELECT id FROM incidents WHERE status = 'firing' AND acked_at IS NULL ORDER BY id DESC LIMIT 1",
  );
  return r.rows[0] ? Number(r.rows[0].id) : undefined;
}

/** The newest incident whose root message is this thread's parent. */
export async function incidentOfThread(
  db: Queryable,
  channel: string,
  threadTs: string,
): Promise<number | undefined> {
  const r = await db.query<{ id: string }>(
    'SELECT id FROM incidents WHERE channel = $1 AND root_ts = $2 ORDER BY id DESC LIMIT 1',
    [channel, threadTs],
  );
  return r.rows[0] ? Number(r.rows[0].id) : undefined;
}

/**
 * Firing incidents, newest first (at most `limit`), all or those of one service (`job` matches the
 * job label, `service` the service label), with the ts of their thread or storm message; `total`
 * counts them all.
 */
export async function firingIncidents(
  db: Queryable,
  service: { job: string; service: string } | undefined,
  limit: number,
): Promise<{
  total: number;
  rows: Array<{ id: number; alertname: string; channel: string; threadTs: string | null }>;
}> {
  const r = await db.query<{
    id: string;
    alertname: string;
    channel: string;
    thread_ts: string | null;
    total: number;
  }>(
    `SELECT i.id, i.alertname, i.channel, COALESCE(i.root_ts, s.root_ts) AS thread_ts, count(*) OVER ()::int AS total
       FROM incidents i LEFT JOIN incident_storms s ON s.id = i.storm_id
      WHERE i.status = 'firing'
        AND ($1::text IS NULL OR i.common_labels->>'job' = $1 OR i.group_labels->>'job' = $1
             OR i.common_labels->>'service' = $2 OR i.group_labels->>'service' = $2)
      ORDER BY i.started_at DESC, i.id DESC LIMIT ${Number(limit)}`,
    [service?.job ?? null, service?.service ?? null],
  );
  return {
    total: Number(r.rows[0]?.total ?? 0),
    rows: r.rows.map((row) => ({
      id: Number(row.id),
      alertname: row.alertname,
      channel: row.channel,
      threadTs: row.thread_ts,
    })),
  };
}
