import { randomUUID } from 'node:crypto';
import type { Incident, Queryable } from './rows.ts';

/*
 * Sync state: the bookkeeping columns that say what Slack shows of an incident or a storm message.
 * `version` grows with every change, `synced_version` is the newest version Slack shows; the root
 * and stakeholder messages keep their ts, claim and the version they show; a lease says which
 * worker is talking to Slack for a row. The sync jobs and the sweep read and write these only here.
 */

/** Each sync pass holds a lease on its row so only one worker talks to Slack for it. */
const LEASE_SECONDS = 60;
/** This process, as a lease holder. */
const OWNER = `${process.pid}-${randomUUID().slice(0, 8)}`;

/** The rows a sync leases: an incident (its root and thread) or a storm message. */
export type LeasedTable = 'incidents' | 'incident_storms';

/**
 * Takes (or renews) the lease on a row: true when this process holds it now, false when another
 * worker does, undefined when the row does not exist.
 */
export async function acquireLease(
  db: Queryable,
  table: LeasedTable,
  id: number,
): Promise<boolean | undefined> {
  const r = await db.query(
    `UPDATE ${table} SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
      WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2) RETURNING id`,
    [id, OWNER, LEASE_SECONDS],
  );
  if (r.rowCount) return true;
  const exists = await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  return exists.rowCount ? false : undefined;
}

/** Gives the lease up (never fails: an expired lease is as good). */
export async function releaseLease(db: Queryable, table: LeasedTable, id: number): Promise<void> {
  await db
    .query(`UPDATE ${table} SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [
      id,
      OWNER,
    ])
    .catch(() => {});
}

/** Where a post's claim and ts are stored: an incident's root, a thread reply, a storm message. */
const CLAIM_COLUMNS = {
  incidents: { claim: 'root_claimed_at', ts: 'root_ts' },
  incident_events: { claim: 'post_started_at', ts: 'posted_ts' },
  incident_storms: { claim: 'root_claimed_at', ts: 'root_ts' },
  /** An on-call delivery's DM (the on-call engine's table; claimed the same way). */
  oncall_deliveries: { claim: 'claimed_at', ts: 'posted_ts' },
  /** The stakeholder channel's message of an incident (a second post of the incidents row). */
  incident_stakeholder: { table: 'incidents', claim: 'stakeholder_claimed_at', ts: 'stakeholder_ts' },
} as const;

/** Which message a claim is for. */
export interface PostRef {
  table: keyof typeof CLAIM_COLUMNS;
  id: number;
}

function claimColumns(ref: PostRef) {
  const col = CLAIM_COLUMNS[ref.table];
  return { table: 'table' in col ? col.table : ref.table, claim: col.claim, ts: col.ts };
}

/** Claims a post before it is made: the claim time is set unless an earlier attempt's is kept. */
export async function claimPost(db: Queryable, ref: PostRef): Promise<void> {
  const c = claimColumns(ref);
  await db.query(`UPDATE ${c.table} SET ${c.claim} = COALESCE(${c.claim}, now()) WHERE id = $1`, [ref.id]);
}

/** Sets the claim back (null: none) while the message has no ts: nothing was posted. */
export async function restorePostClaim(db: Queryable, ref: PostRef, value: Date | null): Promise<void> {
  const c = claimColumns(ref);
  await db.query(`UPDATE ${c.table} SET ${c.claim} = $2 WHERE id = $1 AND ${c.ts} IS NULL`, [ref.id, value]);
}

/**
 * The root is posted (`shows`: the version it was posted with; 0 for an adopted earlier post, so
 * it is edited next).
 */
export async function recordRootPosted(db: Queryable, incidentId: number, ts: string, shows: number) {
  await db.query(
    'UPDATE incidents SET root_ts = $2, root_version = GREATEST(root_version, $3) WHERE id = $1',
    [incidentId, ts, shows],
  );
}

/** The root message now shows `version`. */
export async function markRootShown(db: Queryable, incidentId: number, version: number) {
  await db.query('UPDATE incidents SET root_version = GREATEST(root_version, $2) WHERE id = $1', [
    incidentId,
    version,
  ]);
}

/** The stakeholder message is posted (`shows` as for recordRootPosted). */
export async function recordStakeholderPosted(db: Queryable, incidentId: number, ts: string, shows: number) {
  await db.query(
    'UPDATE incidents SET stakeholder_ts = $2, stakeholder_version = GREATEST(stakeholder_version, $3) WHERE id = $1',
    [incidentId, ts, shows],
  );
}

/** The stakeholder message now shows `version`. */
export async function markStakeholderShown(db: Queryable, incidentId: number, version: number) {
  await db.query(
    'UPDATE incidents SET stakeholder_version = GREATEST(stakeholder_version, $2) WHERE id = $1',
    [incidentId, version],
  );
}

/** True once per incident: the first caller announces its new thread (job `incident-opened`). */
export async function claimOpenedHook(db: Queryable, incidentId: number): Promise<boolean> {
  const r = await db.query(
    'UPDATE incidents SET opened_hook_at = now() WHERE id = $1 AND opened_hook_at IS NULL RETURNING id',
    [incidentId],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Slack shows `version` of the incident. Returns when the change now shown was made, when
 * `version` is still the newest (for the sync-lag histogram).
 */
export async function markSynced(
  db: Queryable,
  incidentId: number,
  version: number,
): Promise<Date | undefined> {
  const r = await db.query(
    'UPDATE incidents SET synced_version = GREATEST(synced_version, $2) WHERE id = $1 RETURNING changed_at, version',
    [incidentId, version],
  );
  const changedAt = r.rows[0]?.changed_at as Date | undefined;
  return changedAt && Number(r.rows[0].version) === version ? changedAt : undefined;
}

/**
 * Whether another firing group in the channel, opened in the last 2 minutes, still waits for its
 * root message (a group whose root can never be posted stops holding the others back after that).
 */
export async function rootsWaiting(db: Queryable, inc: Pick<Incident, 'id' | 'channel'>): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM incidents
      WHERE channel = $1 AND id <> $2 AND status = 'firing' AND root_ts IS NULL AND storm_id IS NULL
        AND created_at > now() - interval '2 minutes'
      LIMIT 1`,
    [inc.channel, inc.id],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Incidents with a thread of their own behind their stored state that no worker is syncing (for the sweep). */
export async function incidentsBehind(
  db: Queryable,
  limit: number,
): Promise<Array<{ incidentId: number; version: number }>> {
  const r = await db.query(
    `SELECT id, version FROM incidents
      WHERE synced_version < version AND storm_id IS NULL AND (lease_until IS NULL OR lease_until < now())
      ORDER BY changed_at LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => ({ incidentId: Number(row.id), version: Number(row.version) }));
}

/** The incident gauges of /metrics: firing, behind Slack, and the age of the oldest change not shown. */
export const syncGauges = {
  async firing(db: Queryable): Promise<number> {
    const r = await db.query("SELECT count(*) AS v FROM incidents WHERE status = 'firing'");
    return Number(r.rows[0]?.v ?? 0);
  },
  async unsynced(db: Queryable): Promise<number> {
    const r = await db.query('SELECT count(*) AS v FROM incidents WHERE synced_version < version');
    return Number(r.rows[0]?.v ?? 0);
  },
  async oldestUnsyncedSeconds(db: Queryable): Promise<number> {
    const r = await db.query(
      'SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(changed_at)), 0) AS v FROM incidents WHERE synced_version < version',
    );
    return Number(r.rows[0]?.v ?? 0);
  },
};
