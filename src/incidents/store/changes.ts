import type { Ticks } from '../checklist.ts';
import { addEvent } from './events.ts';
import type { Incident, Queryable } from './rows.ts';

/*
 * Changes people (and Alertmanager) make to an incident: acknowledge, resolve, commander, severity,
 * communications lead, status updates, checklist ticks, promotion out of a storm message. Each runs
 * inside the caller's transaction, on the incident's locked row, and records its timeline event;
 * the caller bumps the version (bumpVersion) when something changed.
 */

/** Acknowledges: who and when, time to acknowledge (from the incident's start); returns it in ms. */
export async function acknowledgeIncident(
  db: Queryable,
  inc: Incident,
  by: string,
  now: Date,
): Promise<number> {
  const tta = Math.max(0, now.getTime() - inc.startedAt.getTime());
  await db.query('UPDATE incidents SET acked_at = $2, acked_by = $3, time_to_ack_ms = $4 WHERE id = $1', [
    inc.id,
    now,
    by,
    tta,
  ]);
  await addEvent(db, inc.id, 'acknowledged', { timeToAckMs: tta }, { at: now, actor: by });
  return tta;
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

/** Assigns the incident commander; false when unchanged. */
export async function setCommander(db: Queryable, inc: Incident, commander: string, by: string, now: Date) {
  if (inc.commander === commander) return false;
  await db.query('UPDATE incidents SET commander = $2 WHERE id = $1', [inc.id, commander]);
  await addEvent(db, inc.id, 'commander', { commander }, { at: now, actor: by });
  return true;
}

/**
 * Stores the checklist's ticks and marks the checklist reply changed (its revision grows, so the
 * sync edits it). The caller records the ticked/unticked events.
 */
export async function saveChecklist(db: Queryable, incidentId: number, ticks: Ticks) {
  await db.query('UPDATE incidents SET checklist = $2 WHERE id = $1', [incidentId, JSON.stringify(ticks)]);
  await db.query("UPDATE incident_events SET rev = rev + 1 WHERE incident_id = $1 AND kind = 'checklist'", [
    incidentId,
  ]);
}

/** A group listed in a storm message gets its own thread: it leaves the storm (and remembers it). */
export async function leaveStorm(db: Queryable, incidentId: number) {
  await db.query('UPDATE incidents SET promoted_from_storm_id = storm_id, storm_id = NULL WHERE id = $1', [
    incidentId,
  ]);
}

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
