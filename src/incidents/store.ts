import type pg from 'pg';
import type { Ticks } from './checklist.ts';
import type { StoredAlert } from './diff.ts';

/** Incident row as the code uses it. */
export interface Incident {
  id: number;
  groupKey: string;
  channel: string;
  status: 'firing' | 'resolved';
  alertname: string;
  severity: string;
  receiver: string;
  externalUrl: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  truncatedAlerts: number;
  startedAt: Date;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  ackedAt: Date | null;
  ackedBy: string | null;
  commander: string | null;
  timeToAckMs: number | null;
  timeToResolveMs: number | null;
  flapCount: number;
  checklist: Ticks;
  stormId: number | null;
  /** The storm message this incident was listed in before a user opened a thread for it. */
  promotedFromStormId: number | null;
  version: number;
  syncedVersion: number;
  rootTs: string | null;
  rootClaimedAt: Date | null;
  /** The version the root message shows. */
  rootVersion: number;
  openedHookAt: Date | null;
  /** 1–4 (SEV1–SEV4); null on rows from before severities (derived from the label). */
  sev: number | null;
  commsLead: string | null;
  /** Who declared it by hand; null for an alert's incident. */
  declaredBy: string | null;
  statusUpdate: string | null;
  statusUpdatedAt: Date | null;
  statusUpdateBy: string | null;
  stakeholderTs: string | null;
  stakeholderClaimedAt: Date | null;
  stakeholderVersion: number;
}

export interface IncidentEvent {
  id: number;
  incidentId: number;
  at: Date;
  kind: string;
  actor: string | null;
  data: Record<string, unknown>;
  post: boolean;
  postStartedAt: Date | null;
  postedTs: string | null;
  rev: number;
  syncedRev: number;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToIncident(r: Record<string, unknown>): Incident {
  return {
    id: Number(r.id),
    groupKey: String(r.group_key),
    channel: String(r.channel),
    status: r.status as Incident['status'],
    alertname: String(r.alertname ?? ''),
    severity: String(r.severity ?? ''),
    receiver: String(r.receiver ?? ''),
    externalUrl: String(r.external_url ?? ''),
    groupLabels: (r.group_labels ?? {}) as Record<string, string>,
    commonLabels: (r.common_labels ?? {}) as Record<string, string>,
    commonAnnotations: (r.common_annotations ?? {}) as Record<string, string>,
    truncatedAlerts: Number(r.truncated_alerts ?? 0),
    startedAt: r.started_at as Date,
    createdAt: r.created_at as Date,
    resolvedAt: (r.resolved_at as Date | null) ?? null,
    resolvedBy: (r.resolved_by as string | null) ?? null,
    ackedAt: (r.acked_at as Date | null) ?? null,
    ackedBy: (r.acked_by as string | null) ?? null,
    commander: (r.commander as string | null) ?? null,
    timeToAckMs: num(r.time_to_ack_ms),
    timeToResolveMs: num(r.time_to_resolve_ms),
    flapCount: Number(r.flap_count ?? 0),
    checklist: (r.checklist ?? {}) as Ticks,
    stormId: num(r.storm_id),
    promotedFromStormId: num(r.promoted_from_storm_id),
    version: Number(r.version),
    syncedVersion: Number(r.synced_version),
    rootTs: (r.root_ts as string | null) ?? null,
    rootClaimedAt: (r.root_claimed_at as Date | null) ?? null,
    rootVersion: Number(r.root_version ?? 0),
    openedHookAt: (r.opened_hook_at as Date | null) ?? null,
    sev: num(r.sev),
    commsLead: (r.comms_lead as string | null) ?? null,
    declaredBy: (r.declared_by as string | null) ?? null,
    statusUpdate: (r.status_update as string | null) ?? null,
    statusUpdatedAt: (r.status_updated_at as Date | null) ?? null,
    statusUpdateBy: (r.status_update_by as string | null) ?? null,
    stakeholderTs: (r.stakeholder_ts as string | null) ?? null,
    stakeholderClaimedAt: (r.stakeholder_claimed_at as Date | null) ?? null,
    stakeholderVersion: Number(r.stakeholder_version ?? 0),
  };
}

export function rowToEvent(r: Record<string, unknown>): IncidentEvent {
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    at: r.at as Date,
    kind: String(r.kind),
    actor: (r.actor as string | null) ?? null,
    data: (r.data ?? {}) as Record<string, unknown>,
    post: Boolean(r.post),
    postStartedAt: (r.post_started_at as Date | null) ?? null,
    postedTs: (r.posted_ts as string | null) ?? null,
    rev: Number(r.rev),
    syncedRev: Number(r.synced_rev),
  };
}

export function rowToAlert(r: Record<string, unknown>): StoredAlert {
  return {
    fingerprint: String(r.fingerprint),
    status: r.status as StoredAlert['status'],
    startsAt: (r.starts_at as Date).toISOString(),
    endsAt: r.ends_at ? (r.ends_at as Date).toISOString() : null,
    labels: r.labels as Record<string, string>,
    annotations: r.annotations as Record<string, string>,
    generatorURL: String(r.generator_url ?? ''),
  };
}

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

export async function loadEvents(db: Queryable, incidentId: number): Promise<IncidentEvent[]> {
  const r = await db.query('SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id', [incidentId]);
  return r.rows.map(rowToEvent);
}

export async function saveAlerts(db: Queryable, incidentId: number, alerts: readonly StoredAlert[]) {
  if (alerts.length === 0) return;
  await db.query(
    `INSERT INTO incident_alerts (incident_id, fingerprint, status, starts_at, ends_at, labels, annotations, generator_url)
     SELECT $1, a.fingerprint, a.status, a.starts_at, a.ends_at, a.labels, a.annotations, a.generator_url
       FROM jsonb_to_recordset($2::jsonb) AS a(fingerprint text, status text, starts_at timestamptz,
            ends_at timestamptz, labels jsonb, annotations jsonb, generator_url text)
     ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = EXCLUDED.status,
       starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, labels = EXCLUDED.labels,
       annotations = EXCLUDED.annotations, generator_url = EXCLUDED.generator_url`,
    [
      incidentId,
      JSON.stringify(
        alerts.map((a) => ({
          fingerprint: a.fingerprint,
          status: a.status,
          starts_at: a.startsAt,
          ends_at: a.endsAt,
          labels: a.labels,
          annotations: a.annotations,
          generator_url: a.generatorURL,
        })),
      ),
    ],
  );
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

/** Marks the incident as changed: the sync worker has work (a storm's version is the sum of its members'). */
export async function bumpVersion(db: Queryable, incidentId: number, now: Date): Promise<number> {
  const r = await db.query(
    'UPDATE incidents SET version = version + 1, changed_at = $2 WHERE id = $1 RETURNING version',
    [incidentId, now],
  );
  return Number(r.rows[0]?.version ?? 0);
}

/** Runs `fn` in one transaction on a pooled client. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Group key prefix of incidents declared by hand (no Alertmanager group). */
export const DECLARED_PREFIX = 'declared:';

export const isDeclared = (inc: Pick<Incident, 'groupKey'>): boolean =>
  inc.groupKey.startsWith(DECLARED_PREFIX);

/** Sets the severity (and the label escalation policies are keyed by); false when unchanged. */
export async function setSeverity(
  db: Queryable,
  inc: Incident,
  sev: number,
  label: string,
  by: string,
  now: Date,
  from: number,
): Promise<boolean> {
  if (from === sev && inc.sev === sev) return false;
  await db.query('UPDATE incidents SET sev = $2, severity = $3 WHERE id = $1', [inc.id, sev, label]);
  if (from === sev) return false;
  await addEvent(db, inc.id, 'severity', { from: `SEV${from}`, to: `SEV${sev}` }, { at: now, actor: by });
  return true;
}

/** Assigns the communications lead; false when unchanged. */
export async function setCommsLead(db: Queryable, inc: Incident, user: string, by: string, now: Date) {
  if (inc.commsLead === user) return false;
  await db.query('UPDATE incidents SET comms_lead = $2 WHERE id = $1', [inc.id, user]);
  await addEvent(db, inc.id, 'comms_lead', { commsLead: user }, { at: now, actor: by });
  return true;
}

/** Largest status update accepted (the stakeholder message shows it whole). */
export const STATUS_UPDATE_MAX = 2_000;

/** Stores a status update: a thread reply, the stakeholder message's new text, the reminder clock. */
export async function addStatusUpdate(db: Queryable, inc: Incident, text: string, by: string, now: Date) {
  await db.query(
    `UPDATE incidents SET status_update = $2, status_updated_at = $3, status_update_by = $4,
       update_reminded_at = NULL WHERE id = $1`,
    [inc.id, text, now, by],
  );
  await addEvent(db, inc.id, 'status_update', { text }, { at: now, actor: by });
}

/**
 * Claims the incidents due an update reminder: firing, of a reminded severity, no status update
 * (or reminder) for `everyMs`. Marked reminded in the same statement, so two sweeps remind once.
 */
export async function claimUpdateReminders(
  db: Queryable,
  sevs: readonly number[],
  everyMs: number,
  now: Date,
): Promise<Array<{ id: number; who: string | null }>> {
  const r = await db.query(
    `UPDATE incidents SET update_reminded_at = $3
      WHERE id IN (
        SELECT id FROM incidents
         WHERE status = 'firing' AND storm_id IS NULL AND root_ts IS NOT NULL AND sev = ANY($1::int[])
           AND GREATEST(COALESCE(status_updated_at, created_at), COALESCE(update_reminded_at, created_at))
               <= $3::timestamptz - make_interval(secs => $2)
         ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED)
      RETURNING id, COALESCE(comms_lead, commander, acked_by) AS who`,
    [sevs, everyMs / 1000, now],
  );
  return r.rows.map((row) => ({ id: Number(row.id), who: (row.who as string | null) ?? null }));
}
