import type pg from 'pg';
import type { Override } from './schedule.ts';

type Db = Pick<pg.Pool, 'query'>;

function rowToOverride(r: Record<string, unknown>): Override {
  return {
    id: Number(r.id),
    schedule: String(r.schedule),
    userId: String(r.user_id),
    startsAt: r.starts_at as Date,
    endsAt: r.ends_at as Date,
    createdBy: String(r.created_by),
  };
}

/** Overrides not cancelled that have not ended by `now` (current and future). */
export async function loadOverrides(db: Db, now: Date): Promise<Override[]> {
  const r = await db.query(
    'SELECT * FROM oncall_overrides WHERE cancelled_at IS NULL AND ends_at > $1 ORDER BY id',
    [now],
  );
  return r.rows.map(rowToOverride);
}

export async function createOverride(
  db: Db,
  o: { schedule: string; userId: string; startsAt: Date; endsAt: Date; createdBy: string },
): Promise<Override> {
  const r = await db.query(
    `INSERT INTO oncall_overrides (schedule, user_id, starts_at, ends_at, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $3) RETURNING *`,
    [o.schedule, o.userId, o.startsAt, o.endsAt, o.createdBy],
  );
  return rowToOverride(r.rows[0]);
}

/** Cancels an override; false when there is no such override still in force. */
export async function cancelOverride(db: Db, id: number, by: string, now: Date): Promise<boolean> {
  const r = await db.query(
    `UPDATE oncall_overrides SET cancelled_at = $3, cancelled_by = $2
      WHERE id = $1 AND cancelled_at IS NULL AND ends_at > $3`,
    [id, by, now],
  );
  return (r.rowCount ?? 0) > 0;
}
