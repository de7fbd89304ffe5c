/*
 * The incident store's row types: incidents, their timeline events and alerts as the code uses them,
 * and the transaction helper every store operation runs in.
 */
import type pg from 'pg';
import type { Ticks } from '../checklist.ts';
import type { StoredAlert } from '../diff.ts';

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
