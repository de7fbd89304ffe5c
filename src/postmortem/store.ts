import type { Queryable } from '../incidents/store.ts';

/** Root cause and lessons of an incident, written in the thread's modal. */
export interface Postmortem {
  incidentId: number;
  rootCause: string;
  lessons: string;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface Followup {
  id: number;
  incidentId: number;
  title: string;
  owner: string;
  /** `YYYY-MM-DD`. */
  dueOn: string;
  dueAt: Date;
  createdBy: string;
  createdAt: Date;
  closedAt: Date | null;
  closedBy: string | null;
  trackerRef: string | null;
}

/** The longest root cause / lessons text kept (the modal's max_length). */
export const POSTMORTEM_TEXT_MAX = 3_000;
export const FOLLOWUP_TITLE_MAX = 200;

function rowToFollowup(r: Record<string, unknown>): Followup {
  const due = r.due_on as Date | string;
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    title: String(r.title),
    owner: String(r.owner),
    dueOn: typeof due === 'string' ? due.slice(0, 10) : dateOnly(due),
    dueAt: r.due_at as Date,
    createdBy: String(r.created_by),
    createdAt: r.created_at as Date,
    closedAt: (r.closed_at as Date | null) ?? null,
    closedBy: (r.closed_by as string | null) ?? null,
    trackerRef: (r.tracker_ref as string | null) ?? null,
  };
}

/** `YYYY-MM-DD` of a date column (node-pg gives local midnight for `date`). */
function dateOnly(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export async function loadPostmortem(db: Queryable, incidentId: number): Promise<Postmortem | undefined> {
  const r = await db.query('SELECT * FROM incident_postmortems WHERE incident_id = $1', [incidentId]);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    incidentId,
    rootCause: String(row.root_cause ?? ''),
    lessons: String(row.lessons ?? ''),
    updatedBy: (row.updated_by as string | null) ?? null,
    updatedAt: (row.updated_at as Date | null) ?? null,
  };
}

export async function savePostmortem(
  db: Queryable,
  p: { incidentId: number; rootCause: string; lessons: string; by: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO incident_postmortems (incident_id, root_cause, lessons, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (incident_id) DO UPDATE SET root_cause = EXCLUDED.root_cause, lessons = EXCLUDED.lessons,
       updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
    [p.incidentId, p.rootCause, p.lessons, p.by, p.at],
  );
}

/** Keeps the document drafted at resolution (what was uploaded to the thread). */
export async function saveDraft(db: Queryable, incidentId: number, markdown: string, at: Date) {
  await db.query(
    `INSERT INTO incident_postmortems (incident_id, draft, drafted_at) VALUES ($1, $2, $3)
     ON CONFLICT (incident_id) DO UPDATE SET draft = EXCLUDED.draft, drafted_at = EXCLUDED.drafted_at`,
    [incidentId, markdown, at],
  );
}

export interface ReminderOffsets {
  remindBeforeSeconds: number;
  remindAfterSeconds: number;
}

/** The end of the due day in UTC: a follow-up due 2026-12-10 is overdue from 2026-12-11 00:00 UTC. */
export function dueAtOf(dueOn: string): Date {
  return new Date(Date.parse(`${dueOn}T00:00:00Z`) + 86_400_000);
}

/** Stores a follow-up once per submission key; returns it and whether it is new. */
export async function createFollowup(
  db: Queryable,
  f: {
    incidentId: number;
    title: string;
    owner: string;
    dueOn: string;
    by: string;
    at: Date;
    submissionKey: string;
  },
  offsets: ReminderOffsets,
): Promise<{ followup: Followup; created: boolean }> {
  const dueAt = dueAtOf(f.dueOn);
  const r = await db.query(
    `INSERT INTO incident_followups (incident_id, title, owner, due_on, due_at, created_by, created_at,
        remind_before_at, remind_after_at, submission_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (submission_key) DO NOTHING RETURNING *`,
    [
      f.incidentId,
      f.title,
      f.owner,
      f.dueOn,
      dueAt,
      f.by,
      f.at,
      new Date(dueAt.getTime() - offsets.remindBeforeSeconds * 1000),
      new Date(dueAt.getTime() + offsets.remindAfterSeconds * 1000),
      f.submissionKey,
    ],
  );
  if (r.rows[0]) return { followup: rowToFollowup(r.rows[0]), created: true };
  const existing = await db.query('SELECT * FROM incident_followups WHERE submission_key = $1', [
    f.submissionKey,
  ]);
  return { followup: rowToFollowup(existing.rows[0]), created: false };
}

export async function loadFollowup(db: Queryable, id: number): Promise<Followup | undefined> {
  const r = await db.query('SELECT * FROM incident_followups WHERE id = $1', [id]);
  return r.rows[0] ? rowToFollowup(r.rows[0]) : undefined;
}

/** Closes an open follow-up; false when it was already closed. */
export async function closeFollowup(db: Queryable, id: number, by: string, at: Date): Promise<boolean> {
  const r = await db.query(
    'UPDATE incident_followups SET closed_at = $2, closed_by = $3 WHERE id = $1 AND closed_at IS NULL',
    [id, at, by],
  );
  return (r.rowCount ?? 0) > 0;
}

export type FollowupFilter =
  | { kind: 'mine'; owner: string }
  | { kind: 'overdue' }
  | { kind: 'incident'; incidentId: number }
  | { kind: 'open' };

/** Follow-ups for `/followups`: open ones (all of an incident), soonest due first. */
export async function listFollowups(
  db: Queryable,
  filter: FollowupFilter,
  now: Date,
  limit = 50,
): Promise<Followup[]> {
  const where: { sql: string; params: unknown[] } =
    filter.kind === 'mine'
      ? { sql: 'closed_at IS NULL AND owner = $1', params: [filter.owner] }
      : filter.kind === 'overdue'
        ? { sql: 'closed_at IS NULL AND due_at <= $1', params: [now] }
        : filter.kind === 'incident'
          ? { sql: 'incident_id = $1', params: [filter.incidentId] }
          : { sql: 'closed_at IS NULL', params: [] };
  const r = await db.query(
    `SELECT * FROM incident_followups WHERE ${where.sql} ORDER BY closed_at IS NOT NULL, due_at, id LIMIT ${Math.max(1, Math.min(200, limit))}`,
    where.params,
  );
  return r.rows.map(rowToFollowup);
}

export async function followupsOf(db: Queryable, incidentIds: readonly number[]): Promise<Followup[]> {
  if (incidentIds.length === 0) return [];
  const r = await db.query(
    'SELECT * FROM incident_followups WHERE incident_id = ANY($1::bigint[]) ORDER BY due_at, id',
    [incidentIds],
  );
  return r.rows.map(rowToFollowup);
}

export type ReminderKind = 'before' | 'after';

/**
 * Claims the reminders due now (each once, whatever the number of replicas: the claim is the
 * UPDATE of its sent column). A reminder whose DM fails is released with `releaseReminder`.
 */
export async function claimDueReminders(db: Queryable, now: Date, limit = 100) {
  const out: Array<{ kind: ReminderKind; followup: Followup }> = [];
  for (const kind of ['before', 'after'] as const) {
    const at = kind === 'before' ? 'remind_before_at' : 'remind_after_at';
    const sent = kind === 'before' ? 'reminded_before_at' : 'reminded_after_at';
    // A follow-up already past due when created gets only the after-due reminder.
    const extra = kind === 'before' ? 'AND reminded_after_at IS NULL AND due_at > $1' : '';
    const r = await db.query(
      `UPDATE incident_followups SET ${sent} = $1
        WHERE id IN (SELECT id FROM incident_followups
                      WHERE closed_at IS NULL AND ${sent} IS NULL AND ${at} <= $1 ${extra}
                      ORDER BY ${at} LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [now],
    );
    for (const row of r.rows) out.push({ kind, followup: rowToFollowup(row) });
  }
  return out;
}

export async function releaseReminder(db: Queryable, id: number, kind: ReminderKind): Promise<void> {
  const sent = kind === 'before' ? 'reminded_before_at' : 'reminded_after_at';
  await db.query(`UPDATE incident_followups SET ${sent} = NULL WHERE id = $1`, [id]);
}

export async function setTrackerRef(db: Queryable, id: number, ref: string, at: Date): Promise<void> {
  await db.query('UPDATE incident_followups SET tracker_sent_at = $2, tracker_ref = $3 WHERE id = $1', [
    id,
    at,
    ref,
  ]);
}
