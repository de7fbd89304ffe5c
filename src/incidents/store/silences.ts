import type { Queryable } from './rows.ts';

/* Alertmanager silences made from an incident's root (incident_silences), and their expiry. */

export async function addSilence(
  db: Queryable,
  s: { silenceId: string; incidentId: number; by: string; at: Date; endsAt: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO incident_silences (silence_id, incident_id, created_by, created_at, ends_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
    [s.silenceId, s.incidentId, s.by, s.at, s.endsAt],
  );
}

/** A silence of this incident: whether it was expired already; undefined when it is not the incident's. */
export async function findSilence(
  db: Queryable,
  silenceId: string,
  incidentId: number,
): Promise<{ expired: boolean } | undefined> {
  const r = await db.query(
    'SELECT expired_at FROM incident_silences WHERE silence_id = $1 AND incident_id = $2',
    [silenceId, incidentId],
  );
  if (!r.rowCount) return undefined;
  return { expired: Boolean(r.rows[0].expired_at) };
}

/** Marks a silence expired; false when it already was. */
export async function markSilenceExpired(db: Queryable, silenceId: string, by: string, at: Date) {
  const r = await db.query(
    'UPDATE incident_silences SET expired_at = $2, expired_by = $3 WHERE silence_id = $1 AND expired_at IS NULL',
    [silenceId, at, by],
  );
  return (r.rowCount ?? 0) > 0;
}
