import type { Deps } from '../deps.ts';
import { UserError } from '../errors.ts';
import { replanSteps } from '../oncall/engine.ts';
import type { Severity } from './config.ts';
import { enqueueSyncs } from './enqueue.ts';
import { type Declaration, declareIncident, TITLE_MAX } from './intake.ts';
import { labelOfSeverity, severityOf, sevNumber } from './severity.ts';
import {
  acknowledgeIncident,
  addEvent,
  addStatusUpdate,
  bumpVersion,
  claimUpdateReminders,
  type Incident,
  inTransaction,
  loadIncident,
  type Queryable,
  resolveIncident,
  STATUS_UPDATE_MAX,
  setCommsLead,
  setSeverity,
} from './store.ts';

/**
 * Running an incident by hand: declare, severity, communications lead, status updates, ack and
 * resolve. One implementation for the slash command, the root's controls, the modals and the CLI;
 * each caller checks the permission and writes the audit record.
 */

/** Where declared incidents go: the incident channel (console mode prints). */
function incidentChannel(deps: Deps): string {
  const channel =
    deps.config.slack.incidentChannel ?? (deps.config.slack.mode === 'console' ? 'console' : undefined);
  if (!channel) throw new UserError(deps.t('incidents.errors.noChannel'));
  return channel;
}

/** Checks a title and service; throws UserError with what to fix. */
export function checkDeclaration(deps: Deps, d: { title: string; service?: string }): void {
  if (!d.title.trim()) throw new UserError(deps.t('incidents.errors.emptyTitle'));
  if (d.title.length > TITLE_MAX)
    throw new UserError(deps.t('incidents.errors.titleTooLong', { max: TITLE_MAX }));
  if (d.service && !deps.config.services.some((s) => s.name === d.service)) {
    throw new UserError(
      deps.t('incidents.errors.unknownService', {
        service: d.service,
        list: deps.config.services.map((s) => s.name).join(', '),
      }),
    );
  }
}

async function enqueue(deps: Deps, incidentId: number, version: number) {
  await enqueueSyncs(deps, [{ incidentId, version }]);
}

/** Declares an incident; its thread appears through the sync, its escalation through the ticker. */
export async function declare(deps: Deps, d: Declaration): Promise<{ id: number; created: boolean }> {
  const title = d.title.replace(/\s+/g, ' ').trim();
  checkDeclaration(deps, { title, service: d.service });
  const out = await declareIncident(
    deps.pool,
    { ...d, title },
    { channel: incidentChannel(deps), now: deps.now(), config: deps.config.file.incidents },
  );
  if (out.created) {
    deps.logger.info({ incidentId: out.id, by: d.by, severity: d.severity }, 'incident declared');
    await enqueue(deps, out.id, 1);
  }
  return out;
}

/** Applies a change to one incident in a transaction (row locked), then enqueues its sync. */
export async function changeIncident(
  deps: Deps,
  incidentId: number,
  fn: (db: Queryable, inc: Incident, now: Date) => Promise<boolean>,
): Promise<boolean> {
  const now = deps.now();
  const version = await inTransaction(deps.pool, async (db) => {
    const inc = await loadIncident(db, incidentId, true);
    if (!inc) throw new UserError(deps.t('incidents.errors.notFoundId', { id: incidentId }));
    if (!(await fn(db, inc, now))) return undefined;
    return bumpVersion(db, incidentId, now);
  });
  if (version === undefined) return false;
  await enqueue(deps, incidentId, version);
  return true;
}

/** Changes the severity; the escalation is planned again for the new severity's policy. */
export async function changeSeverity(deps: Deps, incidentId: number, sev: Severity, by: string) {
  const config = deps.config.file.incidents;
  const changed = await changeIncident(deps, incidentId, async (db, inc, now) => {
    if (inc.status === 'resolved') throw new UserError(deps.t('incidents.ephemeral.alreadyResolved'));
    const from = sevNumber(severityOf(config, inc));
    return setSeverity(db, inc, sevNumber(sev), labelOfSeverity(config, sev), by, now, from);
  });
  // After the change is committed (pages are locked before the incident, as the engine does).
  if (changed && deps.config.file.oncall)
    await replanSteps(deps, deps.config.file.oncall, incidentId, deps.now());
  return changed;
}

export async function changeCommsLead(deps: Deps, incidentId: number, user: string, by: string) {
  return changeIncident(deps, incidentId, (db, inc, now) => setCommsLead(db, inc, user, by, now));
}

/** A status update: into the thread and (when configured) the stakeholder message, edited in place. */
export async function postStatusUpdate(deps: Deps, incidentId: number, text: string, by: string) {
  const clean = text.trim();
  if (!clean) throw new UserError(deps.t('incidents.errors.emptyUpdate'));
  if (clean.length > STATUS_UPDATE_MAX)
    throw new UserError(deps.t('incidents.errors.updateTooLong', { max: STATUS_UPDATE_MAX }));
  return changeIncident(deps, incidentId, async (db, inc, now) => {
    await addStatusUpdate(db, inc, clean, by, now);
    return true;
  });
}

export async function acknowledge(deps: Deps, incidentId: number, by: string) {
  return changeIncident(deps, incidentId, async (db, inc, now) => {
    if (inc.ackedBy || inc.status === 'resolved') return false;
    await acknowledgeIncident(db, inc, by, now);
    return true;
  });
}

export async function resolveByHand(deps: Deps, incidentId: number, by: string) {
  return changeIncident(deps, incidentId, async (db, inc, now) => {
    if (inc.status === 'resolved') return false;
    await resolveIncident(db, inc, now, by, now);
    return true;
  });
}

/**
 * SEV1/SEV2 (configurable): a thread reply mentioning the communications lead (or commander, or
 * whoever acknowledged) when no status update was posted for the configured interval. Run by the
 * incident sweep; repeats every interval until an update is posted.
 */
export async function remindUpdates(deps: Deps): Promise<number> {
  const { updateReminder } = deps.config.file.incidents;
  if (!updateReminder.enabled || !updateReminder.severities.length) return 0;
  const everyMs = updateReminder.minutes * 60_000;
  const now = deps.now();
  const due = await inTransaction(deps.pool, async (db) => {
    const claimed = await claimUpdateReminders(db, updateReminder.severities.map(sevNumber), everyMs, now);
    const out: Array<{ id: number; version: number }> = [];
    for (const c of claimed) {
      await addEvent(
        db,
        c.id,
        'update_reminder',
        { user: c.who, minutes: Math.round(updateReminder.minutes) || 1 },
        { at: now },
      );
      out.push({ id: c.id, version: await bumpVersion(db, c.id, now) });
    }
    return out;
  });
  for (const d of due) await enqueue(deps, d.id, d.version);
  return due.length;
}
