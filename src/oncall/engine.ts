import type { Deps } from '../deps.ts';
import { checklistOf, itemKey, type Ticks } from '../incidents/checklist.ts';
import { enqueueSyncs, type SyncTarget, syncTargetOf } from '../incidents/enqueue.ts';
import { EVIDENCE_USER, serviceOf } from '../incidents/evidence-config.ts';
import {
  addEvent,
  bumpVersion,
  currentLifeStart,
  type Incident,
  incidentsToPlan,
  incidentsWithStaleSteps,
  inTransaction,
  loadIncident,
  planReminderPages,
  type Queryable,
  recordPageFired,
  saveChecklist,
} from '../incidents/store.ts';
import { type OncallConfig, policyFor, type StepConfig } from './config.ts';
import { loadOverrides } from './overrides.ts';
import { type Override, onCallAt, scheduleFor, secondaryAt } from './schedule.ts';

/**
 * The escalation engine. PostgreSQL is the truth: every step and reminder of an incident is a row
 * of `oncall_pages` with its due time. Each worker's ticker (ticker.ts) plans missing rows and
 * fires due ones with `FOR UPDATE SKIP LOCKED`, so two replicas never fire a row twice and a
 * restart or a Redis flush loses no timer. Firing takes the incident's row lock (as an
 * acknowledgement does) and re-checks its state, so a step whose incident was acknowledged before
 * it fired never fires. Thread posts go through the incident sync (posted once, retried on 429
 * and 5xx); DMs and webhooks are `oncall_deliveries` rows driven by the `oncall-deliver` job.
 */

/** How far back an unacknowledged incident still gets its escalation planned. */
const PLAN_WINDOW_MS = 24 * 3_600_000;

export type PageTarget =
  | { kind: 'users'; users: string[]; schedule?: string; role?: 'primary' | 'secondary' }
  | { kind: 'group'; group: string }
  | { kind: 'here' | 'channel' }
  | { kind: 'nobody'; target: string };

export function incidentLabels(
  inc: Pick<Incident, 'commonLabels' | 'groupLabels'>,
  deps: Pick<Deps, 'config'>,
) {
  const labels: Record<string, string> = { ...inc.commonLabels, ...inc.groupLabels };
  const service = serviceOf(labels, deps.config.services);
  return service && !labels.service ? { ...labels, service } : labels;
}

/** Who a step reaches at `at`. */
export function resolveTarget(
  config: OncallConfig,
  notify: string,
  labels: Record<string, string>,
  overrides: readonly Override[],
  at: Date,
): PageTarget {
  if (notify === 'here' || notify === 'channel') return { kind: notify };
  if (notify === 'usergroup')
    return config.opsGroup ? { kind: 'group', group: config.opsGroup } : { kind: 'nobody', target: notify };
  if (notify.startsWith('usergroup:')) return { kind: 'group', group: notify.slice('usergroup:'.length) };
  if (notify.startsWith('user:')) return { kind: 'users', users: [notify.slice('user:'.length)] };
  const schedule = scheduleFor(config.schedules, config.fallback, labels);
  if (!schedule) return { kind: 'nobody', target: notify };
  const user =
    notify === 'primary' ? onCallAt(schedule, overrides, at)?.user : secondaryAt(schedule, overrides, at);
  return user
    ? { kind: 'users', users: [user], schedule: schedule.name, role: notify as 'primary' | 'secondary' }
    : { kind: 'nobody', target: `${schedule.name} (${notify})` };
}

/**
 * Creates the step rows of unacknowledged incidents that have none for their current life:
 * counted from the incident's creation, or from its latest reopening (a flapping group that fires
 * again pages again; keys `step:<i>`, then `step:<flap>:<i>`). Idempotent across replicas.
 */
export async function planSteps(deps: Deps, config: OncallConfig, now: Date): Promise<number> {
  const due = await incidentsToPlan(deps.pool, new Date(now.getTime() - PLAN_WINDOW_MS));
  if (!due.length) return 0;
  const rows = due.flatMap((inc) => {
    const flap = inc.flapCount;
    return policyFor(config, inc.severity, inc.sev).map((s, i) => ({
      incident_id: inc.id,
      key: flap === 0 ? `step:${i}` : `step:${flap}:${i}`,
      step: i,
      due_at: new Date(inc.start.getTime() + s.after).toISOString(),
      targets: [s.notify],
    }));
  });
  const ins = await deps.pool.query(
    `INSERT INTO oncall_pages (incident_id, key, kind, step, due_at, targets)
     SELECT x.incident_id, x.key, 'step', x.step, x.due_at, x.targets
       FROM jsonb_to_recordset($1::jsonb) AS x(incident_id bigint, key text, step int, due_at timestamptz, targets jsonb)
     ON CONFLICT (incident_id, key) DO NOTHING`,
    [JSON.stringify(rows)],
  );
  return ins.rowCount ?? 0;
}

/**
 * After a severity change: the pending steps of the incident's current life are cancelled and the
 * new severity's policy is planned from the same start. Steps already fired count as done (a
 * policy's first N steps when N have fired); the others are due at their time, or now when that
 * has passed (raised to SEV1 after 20 minutes, the SEV1 steps due by then fire at once). Pages are
 * locked before the incident, the order firePage uses. Returns the steps planned.
 */
export async function replanSteps(
  deps: Deps,
  config: OncallConfig,
  incidentId: number,
  now: Date,
): Promise<number> {
  return inTransaction(deps.pool, async (db) => {
    await db.query(
      `SELECT id FROM oncall_pages WHERE incident_id = $1 AND kind = 'step' AND fired_at IS NULL
          AND cancelled_at IS NULL FOR UPDATE`,
      [incidentId],
    );
    const inc = await loadIncident(db, incidentId, true);
    if (!inc || inc.status === 'resolved' || inc.ackedAt) return 0;
    const start = await currentLifeStart(db, incidentId, inc.createdAt);
    if (start.getTime() < now.getTime() - PLAN_WINDOW_MS) return 0;
    await db.query(
      `UPDATE oncall_pages SET cancelled_at = $2, cancel_reason = 'severity changed'
        WHERE incident_id = $1 AND kind = 'step' AND fired_at IS NULL AND cancelled_at IS NULL`,
      [incidentId, now],
    );
    const fired = await db.query(
      `SELECT count(*)::int AS n FROM oncall_pages
        WHERE incident_id = $1 AND kind = 'step' AND fired_at IS NOT NULL AND due_at >= $2`,
      [incidentId, start],
    );
    const done = Number(fired.rows[0].n);
    const rows = policyFor(config, inc.severity, inc.sev)
      .map((s, i) => ({
        incident_id: incidentId,
        key: `step:sev${now.getTime()}:${i}`,
        step: i,
        due_at: new Date(Math.max(now.getTime(), start.getTime() + s.after)).toISOString(),
        targets: [s.notify],
      }))
      .filter((row) => row.step >= done);
    if (!rows.length) return 0;
    const ins = await db.query(
      `INSERT INTO oncall_pages (incident_id, key, kind, step, due_at, targets)
       SELECT x.incident_id, x.key, 'step', x.step, x.due_at, x.targets
         FROM jsonb_to_recordset($1::jsonb) AS x(incident_id bigint, key text, step int, due_at timestamptz, targets jsonb)
       ON CONFLICT (incident_id, key) DO NOTHING`,
      [JSON.stringify(rows)],
    );
    return ins.rowCount ?? 0;
  });
}

/** Creates the next reminder of each acknowledged incident still firing that has none pending. */
export async function planReminders(deps: Deps, config: OncallConfig): Promise<number> {
  if (!config.reminders.enabled) return 0;
  return planReminderPages(deps.pool, config.reminders.after / 1000, config.reminders.every / 1000);
}

interface PageRow {
  id: number;
  incidentId: number;
  kind: 'step' | 'reminder';
  step: number;
  dueAt: Date;
}

export interface Fired {
  kind: 'step' | 'reminder';
  latenessMs: number;
  incidentId: number;
  version: number;
  /** What Slack must show of it: its thread, or the storm message listing it. */
  sync: SyncTarget;
  deliveries: number[];
}

/** The checklist item the bot ticks when it has notified someone (e.g. 通知相关人员). */
function notifyItemKey(deps: Deps, config: OncallConfig): string | undefined {
  for (const phase of checklistOf(deps.config)) {
    const i = phase.items.indexOf(config.checklistItem);
    if (i >= 0) return itemKey(phase.id, i);
  }
  return undefined;
}

async function tickNotified(db: Queryable, deps: Deps, config: OncallConfig, inc: Incident, now: Date) {
  const key = notifyItemKey(deps, config);
  if (!key || inc.checklist[key]) return;
  const ticks: Ticks = { ...inc.checklist, [key]: { by: EVIDENCE_USER, at: now.toISOString() } };
  await saveChecklist(db, inc.id, ticks);
  await addEvent(db, inc.id, 'ticked', { item: key }, { at: now, actor: EVIDENCE_USER, post: false });
}

/** Fires one locked page: posts the step into the thread (via the sync), queues DMs and the webhook. */
async function firePage(
  db: Queryable,
  deps: Deps,
  config: OncallConfig,
  page: PageRow,
  overrides: readonly Override[],
  now: Date,
): Promise<Fired | undefined> {
  const cancel = (reason: string) =>
    db.query('UPDATE oncall_pages SET cancelled_at = $2, cancel_reason = $3 WHERE id = $1', [
      page.id,
      now,
      reason,
    ]);
  const inc = await loadIncident(db, page.incidentId, true);
  if (!inc) return void (await cancel('gone'));
  if (inc.status === 'resolved') return void (await cancel('resolved'));
  if (page.kind === 'step' && inc.ackedAt) return void (await cancel('acknowledged'));
  if (page.kind === 'reminder' && !inc.ackedAt) return void (await cancel('not acknowledged'));

  const lateness = Math.max(0, now.getTime() - page.dueAt.getTime());
  let step: StepConfig | undefined;
  let target: PageTarget;
  if (page.kind === 'step') {
    step = policyFor(config, inc.severity, inc.sev)[page.step];
    if (!step) return void (await cancel('policy changed'));
    target = resolveTarget(config, step.notify, incidentLabels(inc, deps), overrides, now);
  } else {
    const who = inc.commander ?? inc.ackedBy;
    target = who ? { kind: 'users', users: [who] } : { kind: 'nobody', target: 'commander' };
  }
  const post = inc.stormId === null;
  if (page.kind === 'step' && page.step === 0 && target.kind === 'users')
    await tickNotified(db, deps, config, inc, now);
  const deliveries: Array<{ kind: 'dm' | 'webhook'; target: string }> = [];
  if (target.kind === 'users') for (const u of target.users) deliveries.push({ kind: 'dm', target: u });
  if (step?.webhook) deliveries.push({ kind: 'webhook', target: step.webhook.url });
  const data = {
    page: page.kind,
    step: page.step,
    notify: step?.notify ?? 'commander',
    afterMs: step?.after ?? now.getTime() - (inc.ackedAt?.getTime() ?? now.getTime()),
    target,
    latenessMs: lateness,
  };
  // One round trip: the timeline event, the page marked fired, its deliveries, the version bump.
  const { version, deliveryIds } = await recordPageFired(db, {
    incidentId: inc.id,
    data,
    post,
    at: now,
    page: { id: page.id, latenessMs: lateness, targets: target, deliveries },
  });
  return {
    kind: page.kind,
    latenessMs: lateness,
    incidentId: inc.id,
    version,
    sync: syncTargetOf(inc, version),
    deliveries: deliveryIds,
  };
}

/** After a commit: the thread sync and the deliveries (the sweep and the ticker re-drive what is lost). */
export async function afterFire(deps: Deps, fired: readonly Fired[]): Promise<void> {
  for (const f of fired) {
    await enqueueSyncs(deps, [f.sync]);
    for (const id of f.deliveries) await enqueueDelivery(deps, id);
  }
}

export async function enqueueDelivery(deps: Deps, id: number): Promise<void> {
  await deps.queues
    .enqueue('oncall-deliver', { deliveryId: id }, { jobId: `oncall-delivery-${id}` })
    .catch((err) =>
      deps.logger.warn({ deliveryId: id, err }, 'delivery not enqueued; the ticker re-drives it'),
    );
}

/** Parallel lanes per worker; each fires one page per transaction (short row locks). */
const LANES = 4;
const MAX_PER_CALL = 5_000;

/**
 * Fires every due page: each lane claims one due row at a time (FOR UPDATE SKIP LOCKED, so lanes
 * and replicas never take the same row) and fires it in its own transaction. `at` fixes the clock
 * (tests); by default each page is fired and timed at the moment it is claimed.
 */
export async function fireDue(deps: Deps, config: OncallConfig, at?: Date): Promise<number> {
  const overrides = await loadOverrides(deps.pool, at ?? deps.now());
  let total = 0;
  let done = false;
  const enqueues: Promise<void>[] = [];
  const lane = async () => {
    while (!done && total < MAX_PER_CALL) {
      const now = at ?? deps.now();
      const out = await inTransaction(deps.pool, async (db) => {
        const r = await db.query(
          `SELECT id, incident_id, kind, step, due_at FROM oncall_pages
            WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1
            ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [now],
        );
        const row = r.rows[0];
        if (!row) return { claimed: false as const };
        const page: PageRow = {
          id: Number(row.id),
          incidentId: Number(row.incident_id),
          kind: row.kind,
          step: Number(row.step ?? 0),
          dueAt: row.due_at as Date,
        };
        return { claimed: true as const, fired: await firePage(db, deps, config, page, overrides, now) };
      });
      if (!out.claimed) {
        done = true;
        break;
      }
      if (out.fired) {
        total += 1;
        deps.metrics.oncall.pages.inc({ kind: out.fired.kind, outcome: 'fired' });
        deps.metrics.oncall.stepLateness.observe({ kind: out.fired.kind }, out.fired.latenessMs / 1000);
        // Not awaited here: a lane goes on to the next due page while Redis is told (errors are logged).
        enqueues.push(afterFire(deps, [out.fired]));
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  await Promise.all(enqueues);
  return total;
}

/**
 * Cancels the pending steps of incidents acknowledged, resolved or put in a storm message since
 * they were planned, and says so in the thread when it was an acknowledgement. Pages are locked before the incident (the
 * order firePage uses), so this and a firing step never deadlock.
 */
export async function stopAcknowledged(deps: Deps, now: Date): Promise<number> {
  const stale = await incidentsWithStaleSteps(deps.pool);
  const fired: Fired[] = [];
  for (const incidentId of stale) {
    const f = await inTransaction(deps.pool, async (db) => {
      const pages = await db.query(
        `SELECT id FROM oncall_pages WHERE incident_id = $1 AND kind = 'step'
            AND fired_at IS NULL AND cancelled_at IS NULL FOR UPDATE`,
        [incidentId],
      );
      if (!pages.rowCount) return undefined;
      const inc = await loadIncident(db, incidentId, true);
      if (!inc) return undefined;
      const reason = inc.status === 'resolved' ? 'resolved' : inc.ackedAt ? 'acknowledged' : 'stormed';
      await db.query(
        'UPDATE oncall_pages SET cancelled_at = $2, cancel_reason = $3 WHERE id = ANY($1::bigint[])',
        [pages.rows.map((p) => p.id), now, reason],
      );
      if (reason !== 'acknowledged') return undefined;
      await addEvent(
        db,
        incidentId,
        'oncall_stopped',
        { count: pages.rowCount },
        { at: now, actor: inc.ackedBy, post: inc.stormId === null },
      );
      const version = await bumpVersion(db, incidentId, now);
      return {
        kind: 'step' as const,
        latenessMs: 0,
        incidentId,
        version,
        sync: syncTargetOf(inc, version),
        deliveries: [],
      };
    });
    if (f) fired.push(f);
  }
  await afterFire(deps, fired);
  return stale.length;
}

/** Deliveries neither done nor given up whose job may be lost (Redis flushed, retries used up). */
export async function redriveDeliveries(deps: Deps, now: Date): Promise<number> {
  const r = await deps.pool.query(
    `SELECT id FROM oncall_deliveries WHERE done_at IS NULL AND given_up_at IS NULL AND created_at < $1
      ORDER BY id LIMIT 200`,
    [new Date(now.getTime() - 5_000)],
  );
  let n = 0;
  for (const row of r.rows) {
    const jobId = `oncall-delivery-${row.id}`;
    const existing = await deps.queues.use('incidents', (q) => q.getJob(jobId)).catch(() => undefined);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed') continue;
      await existing.remove().catch(() => {});
    }
    await enqueueDelivery(deps, Number(row.id));
    n += 1;
  }
  return n;
}
