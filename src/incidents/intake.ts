import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { IncidentsConfig, Severity } from './config.ts';
import { type AlertDiff, anyFiring, decide, diffAlerts, groupChanges, type StoredAlert } from './diff.ts';
import { type SyncTarget, syncTargetOf } from './enqueue.ts';
import { dedupKey, type WebhookPayload } from './payload.ts';
import { labelOfSeverity, severityOfLabel, sevNumber } from './severity.ts';
import {
  addEvent,
  DECLARED_PREFIX,
  finishNotification,
  type Incident,
  insertDeclaredIncident,
  inTransaction,
  loadAlerts,
  loadIncident,
  markReopened,
  openAlertIncident,
  type Queryable,
  recordNotification,
  resolveIncident,
  type StormProbe,
  type StormRule,
  saveAlerts,
  setTruncatedAlerts,
  stormPageFor,
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
      /** What Slack must be brought in line with (none when nothing a user would see changed). */
      sync: SyncTarget[];
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

/** The channel's storm rule at this notification. */
function stormRule(ctx: IntakeContext): StormRule {
  const { storm } = ctx.config;
  return {
    channel: ctx.channel,
    now: ctx.now,
    windowSeconds: storm.windowSeconds,
    maxNewIncidents: storm.maxNewIncidents,
    groupsPerMessage: storm.groupsPerMessage,
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

async function openIncident(
  db: Queryable,
  p: WebhookPayload,
  diff: AlertDiff,
  ctx: IntakeContext,
  dedupKeyOf: string,
  storm: { rule: StormRule; probe: StormProbe },
  flapOf?: Incident,
): Promise<{ id: number; stormId: number | null }> {
  const stormId = await stormPageFor(db, storm.rule, storm.probe);
  // 'opened' is timeline only; the checklist is the first reply of the thread (a stormed incident
  // has no thread of its own).
  const opened = { alerts: diff.next.map(eventAlert), ...(flapOf ? { previousIncidentId: flapOf.id } : {}) };
  const id = await openAlertIncident(
    db,
    {
      groupKey: p.groupKey,
      channel: ctx.channel,
      alertname: p.groupLabels.alertname ?? p.commonLabels.alertname ?? diff.next[0]?.labels.alertname ?? '',
      severity: p.commonLabels.severity ?? '',
      receiver: p.receiver,
      externalUrl: p.externalURL,
      groupLabels: p.groupLabels,
      commonLabels: p.commonLabels,
      commonAnnotations: p.commonAnnotations,
      truncatedAlerts: p.truncatedAlerts,
      startedAt: earliestStart(diff.next, ctx.now),
      createdAt: ctx.now,
      stormId,
      sev: sevNumber(severityOfLabel(ctx.config, p.commonLabels.severity ?? '')),
    },
    { alerts: diff.next, opened, withChecklist: stormId === null, dedupKey: dedupKeyOf },
  );
  return { id, stormId };
}

/**
 * Stores one notification and the incident state it implies, in one transaction: the
 * notification row (its dedup key is the primary key, so exact duplicates stop here), the group
 * lock, the alerts and the timeline events the sync worker turns into thread replies.
 */
export async function intake(
  pool: pg.Pool,
  p: WebhookPayload,
  ctx: IntakeContext,
  /** Its dedup key, when the caller has it already (receive.ts). */
  key: string = dedupKey(p),
): Promise<IntakeResult> {
  const rule = stormRule(ctx);
  return inTransaction(pool, async (db) => {
    // The notification row (its dedup key is the primary key) and, only when it is new, the
    // group's row lock (an upsert): notifications of one group are applied one at a time.
    const notification = await recordNotification(
      db,
      {
        dedupKey: key,
        groupKey: p.groupKey,
        status: p.status,
        alertCount: p.alerts.length,
        payload: p,
        receivedAt: ctx.now,
      },
      rule,
    );
    if (notification.duplicate) return { outcome: 'duplicate' as const, dedupKey: key };

    const currentId = notification.currentIncidentId;
    const current = currentId ? await loadIncident(db, currentId, true) : undefined;
    const stored = current ? await loadAlerts(db, current.id) : [];
    let diff = diffAlerts(stored, p, ctx.now);
    const flapWindowMs = ctx.config.flapWindowMinutes * 60_000;
    const decision = decide(current, diff, ctx.now, flapWindowMs);

    if (decision.kind === 'ignore')
      return { outcome: 'ignored' as const, dedupKey: key, reason: decision.reason };

    if (decision.kind === 'open') {
      if (current) diff = diffAlerts([], p, ctx.now);
      const { id, stormId } = await openIncident(
        db,
        p,
        diff,
        ctx,
        key,
        { rule, probe: notification.storm },
        current,
      );
      return {
        outcome: 'stored' as const,
        dedupKey: key,
        incidentId: id,
        decision: 'open' as const,
        changed: true,
        stormId,
        version: 1,
        sync: [syncTargetOf({ id, stormId }, 1)],
      };
    }

    const inc = current as Incident;
    let changed = diff.changes.length > 0;
    let resolved: { alertname: string; labels: Record<string, string>; ms: number } | undefined;
    if (diff.touched) await saveAlerts(db, inc.id, diff.next);
    const post = inc.stormId === null;
    if (decision.kind === 'reopen') {
      await markReopened(db, inc.id);
      await addEvent(db, inc.id, 'reopened', { flapCount: inc.flapCount + 1 }, { at: ctx.now, post });
      changed = true;
    }
    await recordChanges(db, inc.id, diff, ctx.now, post);

    if (p.truncatedAlerts !== inc.truncatedAlerts) {
      await setTruncatedAlerts(db, inc.id, p.truncatedAlerts);
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
    const version = await finishNotification(db, inc.id, key, changed, ctx.now);
    return {
      version,
      outcome: 'stored' as const,
      dedupKey: key,
      incidentId: inc.id,
      decision: decision.kind,
      changed,
      stormId: inc.stormId,
      sync: changed ? [syncTargetOf(inc, version)] : [],
      ...(resolved ? { resolved } : {}),
    };
  });
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
    const label = labelOfSeverity(ctx.config, d.severity);
    const labels: Record<string, string> = { severity: label, ...(d.service ? { service: d.service } : {}) };
    const { id, created } = await insertDeclaredIncident(db, {
      groupKey,
      channel: ctx.channel,
      title: d.title,
      severityLabel: label,
      labels,
      at: ctx.now,
      sev: sevNumber(d.severity),
      by: d.by,
    });
    if (!created) return { id, created: false };
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

/** Resolving is a store operation now (store/changes.ts); kept importable from here for existing callers. */
export { resolveIncident };
