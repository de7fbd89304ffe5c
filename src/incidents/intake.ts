import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { IncidentsConfig, Severity } from './config.ts';
import { type AlertDiff, anyFiring, decide, diffAlerts, groupChanges, type StoredAlert } from './diff.ts';
import { dedupKey, type WebhookPayload } from './payload.ts';
import { labelOfSeverity, severityOfLabel, sevNumber } from './severity.ts';
import {
  addEvent,
  DECLARED_PREFIX,
  type Incident,
  inTransaction,
  loadAlerts,
  loadIncident,
  type Queryable,
  saveAlerts,
} from './store.ts';

export type IntakeResult =
  | { outcome: 'duplicate'; dedupKey: string }
  | { outcome: 'ignored'; dedupKey: string; reason: string }
  | {
      outcome: 'stored';
      dedupKey: string;
      incidentId: number;
      decision: 'open' | 'update' | 'reopen';
      /** Whether anything a user would see changed (false for a repeat). */
      changed: boolean;
      /** The incident's version after this notification. */
      version: number;
      stormId: number | null;
      /** Set when this notification resolved the incident (for the time-to-resolve histogram). */
      resolved?: { alertname: string; labels: Record<string, string>; ms: number };
    };

export interface IntakeContext {
  channel: string;
  now: Date;
  config: IncidentsConfig;
}

/** Alert summary kept in timeline events (enough to render a thread reply). */
export function eventAlert(a: StoredAlert) {
  return {
    fingerprint: a.fingerprint,
    labels: a.labels,
    summary: a.annotations.summary ?? '',
    startsAt: a.startsAt,
    endsAt: a.endsAt,
  };
}

function earliestStart(alerts: readonly StoredAlert[], fallback: Date): Date {
  const firing = alerts.filter((a) => a.status === 'firing');
  const list = firing.length ? firing : alerts;
  const min = list.reduce((m, a) => Math.min(m, Date.parse(a.startsAt)), Number.POSITIVE_INFINITY);
  return Number.isFinite(min) ? new Date(min) : fallback;
}

function resolvedAtOf(alerts: readonly StoredAlert[], now: Date): Date {
  const max = alerts.reduce((m, a) => Math.max(m, a.endsAt ? Date.parse(a.endsAt) : 0), 0);
  return max > 0 && max <= now.getTime() ? new Date(max) : now;
}

/** Records the alert changes of one notification as timeline events (one per kind). */
async function recordChanges(db: Queryable, incidentId: number, diff: AlertDiff, now: Date, post: boolean) {
  for (const [kind, alerts] of groupChanges(diff.changes)) {
    await addEvent(db, incidentId, `alerts_${kind}`, { alerts: alerts.map(eventAlert) }, { at: now, post });
  }
}

/**
 * Puts a new incident in a storm message when the channel has more new incidents than allowed.
 * Intake must stay fast in a storm, so the count is not locked: concurrent notifications may let
 * a group or two more through on its own, or put a few more than `groupsPerMessage` on a page.
 */
async function stormFor(db: Queryable, ctx: IntakeContext): Promise<number | null> {
  const { storm } = ctx.config;
  const since = new Date(ctx.now.getTime() - storm.windowSeconds * 1000);
  const recent = await db.query(
    'SELECT count(*)::int AS n FROM incidents WHERE channel = $1 AND created_at > $2',
    [ctx.channel, since],
  );
  if (Number(recent.rows[0].n) < storm.maxNewIncidents) return null;
  const findPage = async () => {
    const open = await db.query(
      `SELECT s.id, (SELECT count(*)::int FROM incidents i WHERE i.storm_id = s.id) AS members
         FROM incident_storms s
        WHERE s.channel = $1 AND s.created_at > $2
        ORDER BY s.id DESC LIMIT 1`,
      [ctx.channel, new Date(ctx.now.getTime() - 6 * storm.windowSeconds * 1000)],
    );
    const page = open.rows[0];
    return page && Number(page.members) < storm.groupsPerMessage ? Number(page.id) : undefined;
  };
  const found = await findPage();
  if (found !== undefined) return found;
  // Only page creation is serialised (once per page): whoever waited here sees the new page.
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`laojun-storm:${ctx.channel}`]);
  const again = await findPage();
  if (again !== undefined) return again;
  const made = await db.query(
    'INSERT INTO incident_storms (channel, created_at) VALUES ($1, $2) RETURNING id',
    [ctx.channel, ctx.now],
  );
  return Number(made.rows[0].id);
}

async function openIncident(
  db: Queryable,
  p: WebhookPayload,
  diff: AlertDiff,
  ctx: IntakeContext,
  dedupKeyOf: string,
  flapOf?: Incident,
): Promise<{ id: number; stormId: number | null }> {
  const stormId = await stormFor(db, ctx);
  const r = await db.query(
    `INSERT INTO incidents (group_key, channel, status, alertname, severity, receiver, external_url,
       group_labels, common_labels, common_annotations, truncated_alerts, started_at, created_at,
       changed_at, storm_id, sev)
     VALUES ($1, $2, 'firing', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id`,
    [
      p.groupKey,
      ctx.channel,
      p.groupLabels.alertname ?? p.commonLabels.alertname ?? diff.next[0]?.labels.alertname ?? '',
      p.commonLabels.severity ?? '',
      p.receiver,
      p.externalURL,
      JSON.stringify(p.groupLabels),
      JSON.stringify(p.commonLabels),
      JSON.stringify(p.commonAnnotations),
      p.truncatedAlerts,
      earliestStart(diff.next, ctx.now),
      ctx.now,
      stormId,
      sevNumber(severityOfLabel(ctx.config, p.commonLabels.severity ?? '')),
    ],
  );
  const id = Number(r.rows[0].id);
  await saveAlerts(db, id, diff.next);
  // 'opened' is timeline only; the checklist is the first reply of the thread (a stormed incident
  // has no thread of its own).
  const opened = { alerts: diff.next.map(eventAlert), ...(flapOf ? { previousIncidentId: flapOf.id } : {}) };
  await db.query(
    `INSERT INTO incident_events (incident_id, kind, data, post, at)
     SELECT $1, k.kind, k.data, k.post, $2
       FROM (VALUES (1, 'opened', $3::jsonb, false), (2, 'checklist', '{}'::jsonb, true)) AS k(n, kind, data, post)
      WHERE k.n = 1 OR $4 ORDER BY k.n`,
    [id, ctx.now, JSON.stringify(opened), stormId === null],
  );
  await db.query(
    `WITH g AS (UPDATE alert_groups SET current_incident_id = $2 WHERE group_key = $1)
     UPDATE alert_notifications SET incident_id = $2 WHERE dedup_key = $3`,
    [p.groupKey, id, dedupKeyOf],
  );
  return { id, stormId };
}

/**
 * Stores one notification and the incident state it implies, in one transaction: the
 * notification row (its dedup key is the primary key, so exact duplicates stop here), the group
 * lock, the alerts and the timeline events the sync worker turns into thread replies.
 */
export async function intake(pool: pg.Pool, p: WebhookPayload, ctx: IntakeContext): Promise<IntakeResult> {
  const key = dedupKey(p);
  return inTransaction(pool, async (db) => {
    // The notification row (its dedup key is the primary key) and, only when it is new, the
    // group's row lock (an upsert): notifications of one group are applied one at a time.
    const g = await db.query(
      `WITH n AS (
         INSERT INTO alert_notifications (dedup_key, group_key, status, alert_count, payload, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key)
       INSERT INTO alert_groups (group_key) SELECT $2 FROM n
       ON CONFLICT (group_key) DO UPDATE SET group_key = EXCLUDED.group_key RETURNING current_incident_id`,
      [key, p.groupKey, p.status, p.alerts.length, JSON.stringify(p), ctx.now],
    );
    if (g.rowCount === 0) return { outcome: 'duplicate' as const, dedupKey: key };

    const currentId = g.rows[0]?.current_incident_id as string | null;
    const current = currentId ? await loadIncident(db, Number(currentId), true) : undefined;
    const stored = current ? await loadAlerts(db, current.id) : [];
    let diff = diffAlerts(stored, p, ctx.now);
    const flapWindowMs = ctx.config.flapWindowMinutes * 60_000;
    const decision = decide(current, diff, ctx.now, flapWindowMs);

    if (decision.kind === 'ignore')
      return { outcome: 'ignored' as const, dedupKey: key, reason: decision.reason };

    if (decision.kind === 'open') {
      if (current) diff = diffAlerts([], p, ctx.now);
      const { id, stormId } = await openIncident(db, p, diff, ctx, key, current);
      return {
        outcome: 'stored' as const,
        dedupKey: key,
        incidentId: id,
        decision: 'open' as const,
        changed: true,
        stormId,
        version: 1,
      };
    }

    const inc = current as Incident;
    let changed = diff.changes.length > 0;
    let resolved: { alertname: string; labels: Record<string, string>; ms: number } | undefined;
    if (diff.touched) await saveAlerts(db, inc.id, diff.next);
    const post = inc.stormId === null;
    if (decision.kind === 'reopen') {
      await db.query(
        `UPDATE incidents SET status = 'firing', flap_count = flap_count + 1, resolved_at = NULL,
           resolved_by = NULL, time_to_resolve_ms = NULL WHERE id = $1`,
        [inc.id],
      );
      await addEvent(db, inc.id, 'reopened', { flapCount: inc.flapCount + 1 }, { at: ctx.now, post });
      changed = true;
    }
    await recordChanges(db, inc.id, diff, ctx.now, post);

    if (p.truncatedAlerts !== inc.truncatedAlerts) {
      await db.query('UPDATE incidents SET truncated_alerts = $2 WHERE id = $1', [inc.id, p.truncatedAlerts]);
      changed = true;
    }
    const wasFiring = inc.status === 'firing' || decision.kind === 'reopen';
    if (wasFiring && !anyFiring(diff.next) && diff.changes.some((c) => c.kind === 'resolved')) {
      const at = resolvedAtOf(diff.next, ctx.now);
      await resolveIncident(db, inc, at, 'alertmanager', ctx.now);
      resolved = {
        alertname: inc.alertname,
        labels: { ...inc.commonLabels, ...inc.groupLabels },
        ms: Math.max(0, at.getTime() - inc.startedAt.getTime()),
      };
      changed = true;
    }
    const v = await db.query(
      `WITH n AS (UPDATE alert_notifications SET incident_id = $1 WHERE dedup_key = $2)
       UPDATE incidents SET version = version + CASE WHEN $3 THEN 1 ELSE 0 END,
              changed_at = CASE WHEN $3 THEN $4 ELSE changed_at END
        WHERE id = $1 RETURNING version`,
      [inc.id, key, changed, ctx.now],
    );
    return {
      version: Number(v.rows[0]?.version ?? 0),
      outcome: 'stored' as const,
      dedupKey: key,
      incidentId: inc.id,
      decision: decision.kind,
      changed,
      stormId: inc.stormId,
      ...(resolved ? { resolved } : {}),
    };
  });
}

/**
 * Marks an incident resolved (by Alertmanager or by hand), stores time to resolve, and queues the
 * resolution reply and the generated incident report that prompts the post-incident phase.
 */
export async function resolveIncident(db: Queryable, inc: Incident, at: Date, by: string, now: Date) {
  const ttr = Math.max(0, at.getTime() - inc.startedAt.getTime());
  await db.query(
    `UPDATE incidents SET status = 'resolved', resolved_at = $2, resolved_by = $3, time_to_resolve_ms = $4
      WHERE id = $1`,
    [inc.id, at, by, ttr],
  );
  const post = inc.stormId === null;
  await addEvent(
    db,
    inc.id,
    'resolved',
    { durationMs: ttr, manual: by !== 'alertmanager' },
    { at: now, actor: by === 'alertmanager' ? null : by, post },
  );
  await addEvent(db, inc.id, 'report', {}, { at: now, post });
}

/** What a person declaring an incident gives: the rest has defaults. */
export interface Declaration {
  title: string;
  severity: Severity;
  /** A configured service (its on-call schedule, its evidence). */
  service?: string;
  by: string;
  /** The Slack message the incident was declared from (message shortcut), quoted in the thread. */
  quote?: { text: string; channel: string; ts: string; user?: string };
  /** An idempotency key (a modal's view id, a CLI run): declaring twice with it opens one incident. */
  key?: string;
}

/** Longest title of a declared incident (it is the root's header). */
export const TITLE_MAX = 150;

/**
 * Opens an incident by hand: an incident like an alert's (root, checklist, timeline, on-call
 * escalation by its severity and service, evidence, report at resolution), without an alert group.
 */
export async function declareIncident(
  pool: pg.Pool,
  d: Declaration,
  ctx: IntakeContext,
): Promise<{ id: number; created: boolean }> {
  const groupKey = `${DECLARED_PREFIX}${d.key ?? randomUUID()}`;
  return inTransaction(pool, async (db) => {
    // Two deliveries of one submission (a retried modal, a re-run CLI) wait here for each other.
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [groupKey]);
    const existing = await db.query('SELECT id FROM incidents WHERE group_key = $1', [groupKey]);
    if (existing.rowCount) return { id: Number(existing.rows[0].id), created: false };
    const label = labelOfSeverity(ctx.config, d.severity);
    const labels: Record<string, string> = { severity: label, ...(d.service ? { service: d.service } : {}) };
    const r = await db.query(
      `INSERT INTO incidents (group_key, channel, status, alertname, severity, receiver, common_labels,
         common_annotations, started_at, created_at, changed_at, sev, declared_by)
       VALUES ($1, $2, 'firing', $3, $4, 'declared', $5, $6, $7, $7, $7, $8, $9) RETURNING id`,
      [
        groupKey,
        ctx.channel,
        d.title,
        label,
        JSON.stringify(labels),
        JSON.stringify({ summary: d.title }),
        ctx.now,
        sevNumber(d.severity),
        d.by,
      ],
    );
    const id = Number(r.rows[0].id);
    await addEvent(
      db,
      id,
      'declared',
      { title: d.title, severity: d.severity, service: d.service ?? null, quote: d.quote ?? null },
      { at: ctx.now, actor: d.by },
    );
    await addEvent(db, id, 'checklist', {}, { at: ctx.now });
    return { id, created: true };
  });
}
