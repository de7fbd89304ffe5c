import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Deps } from '../deps.ts';
import { postOnce } from '../incidents/post-once.ts';
import { loadIncident } from '../incidents/store.ts';
import { deferIfRateLimited } from '../queue/defer.ts';
import { isPermanentSlackError, SlackApiError } from '../slack/errors.ts';
import { messageLink } from '../slack/permalink.ts';
import { policyFor } from './config.ts';
import { dmText } from './render.ts';

/** Runs in all (across re-drives) before a delivery is given up and logged. */
const MAX_RUNS = 30;
/** How long a DM waits for the incident's thread to exist, so that it can link to it. */
const THREAD_WAIT_MS = 15_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

interface Delivery {
  id: number;
  kind: 'dm' | 'webhook';
  target: string;
  claimedAt: Date | null;
  doneAt: Date | null;
  givenUpAt: Date | null;
  attempts: number;
  createdAt: Date;
  page: {
    id: number;
    kind: 'step' | 'reminder';
    step: number;
    incidentId: number;
    firedAt: Date;
    targets: unknown;
  };
}

async function load(deps: Deps, id: number): Promise<Delivery | undefined> {
  const r = await deps.pool.query(
    `UPDATE oncall_deliveries d SET attempts = attempts + 1 FROM oncall_pages p
      WHERE d.id = $1 AND p.id = d.page_id
      RETURNING d.*, p.kind AS page_kind, p.step, p.incident_id, p.fired_at, p.targets`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    kind: row.kind,
    target: String(row.target),
    claimedAt: row.claimed_at ?? null,
    doneAt: row.done_at ?? null,
    givenUpAt: row.given_up_at ?? null,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
    page: {
      id: Number(row.page_id),
      kind: row.page_kind,
      step: Number(row.step ?? 0),
      incidentId: Number(row.incident_id),
      firedAt: row.fired_at,
      targets: row.targets,
    },
  };
}

const giveUp = (deps: Deps, d: Pick<Delivery, 'id' | 'kind'>, error: string) => {
  deps.metrics.oncall.deliveries.inc({ kind: d.kind, outcome: 'given_up' });
  return deps.pool.query('UPDATE oncall_deliveries SET given_up_at = now(), last_error = $2 WHERE id = $1', [
    d.id,
    error.slice(0, 500),
  ]);
};

async function dm(deps: Deps, d: Delivery, job: Job, token?: string) {
  const inc = await loadIncident(deps.pool, d.page.incidentId);
  if (!inc) return giveUp(deps, d, 'incident gone');
  if (!inc.rootTs && inc.stormId === null && Date.now() - d.createdAt.getTime() < THREAD_WAIT_MS && token) {
    await job.moveToDelayed(Date.now() + 500, token);
    throw new DelayedError();
  }
  const link = inc.rootTs
    ? messageLink(inc.channel, inc.rootTs)
    : `https://slack.com/app_redirect?channel=${inc.channel}`;
  const config = deps.config.file.oncall;
  const afterMs =
    d.page.kind === 'reminder'
      ? d.page.firedAt.getTime() - (inc.ackedAt?.getTime() ?? d.page.firedAt.getTime())
      : ((config ? policyFor(config, inc.severity)[d.page.step]?.after : undefined) ?? 0);
  const text = dmText(deps.t, deps.locale, inc, { kind: d.page.kind, step: d.page.step, afterMs }, link);
  const channel = await deps.slack.openDirectMessage(d.target);
  const { ts } = await postOnce(
    deps,
    { table: 'oncall_deliveries', id: d.id, claimedAt: d.claimedAt },
    { channel, marker: { oncall_delivery: d.id }, render: () => ({ text: deps.redact(text) }) },
  );
  await deps.pool.query('UPDATE oncall_deliveries SET posted_ts = $2, done_at = now() WHERE id = $1', [
    d.id,
    ts,
  ]);
}

/** The step as JSON for a phone or SMS gateway; the same Idempotency-Key on every retry. */
async function webhook(deps: Deps, d: Delivery) {
  const inc = await loadIncident(deps.pool, d.page.incidentId);
  if (!inc) return giveUp(deps, d, 'incident gone');
  const step = deps.config.file.oncall
    ? policyFor(deps.config.file.oncall, inc.severity)[d.page.step]
    : undefined;
  const body = {
    version: '1',
    incident: {
      id: inc.id,
      alertname: inc.alertname,
      severity: inc.severity,
      status: inc.status,
      acknowledged: inc.ackedAt !== null,
      startedAt: inc.startedAt.toISOString(),
      labels: { ...inc.commonLabels, ...inc.groupLabels },
      summary: inc.commonAnnotations.summary ?? '',
    },
    step: {
      number: d.page.step + 1,
      notify: step?.notify ?? '',
      afterMs: step?.after ?? 0,
      target: d.page.targets,
    },
    links: {
      thread: inc.rootTs ? messageLink(inc.channel, inc.rootTs) : null,
      alertmanager: inc.externalUrl || null,
    },
  };
  const res = await deps.fetch(d.target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': `laojun-oncall-page-${d.page.id}`,
      ...(step?.token ? { authorization: `Bearer ${step.token}` } : {}),
    },
    body: deps.redact(JSON.stringify(body)),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await res.body?.cancel().catch(() => {});
  if (res.ok) {
    await deps.pool.query('UPDATE oncall_deliveries SET done_at = now() WHERE id = $1', [d.id]);
    return;
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    await giveUp(deps, d, `HTTP ${res.status}`);
    throw new UnrecoverableError(`on-call webhook refused: HTTP ${res.status}`);
  }
  throw new Error(`on-call webhook failed: HTTP ${res.status}`);
}

/**
 * One direct message or outbound webhook of a fired escalation step or reminder (`oncall_deliveries`).
 * DMs are posted once (claim + marker, as thread replies are); 429 defers without using an attempt;
 * webhooks are retried on 5xx and network errors with one Idempotency-Key per step.
 */
export async function deliverOncall(
  deps: Deps,
  deliveryId: number,
  job: Job,
  token: string | undefined,
): Promise<unknown> {
  const d = await load(deps, deliveryId);
  if (!d || d.doneAt || d.givenUpAt) return { skipped: true };
  if (d.attempts > MAX_RUNS) {
    await giveUp(deps, d, 'too many attempts');
    deps.logger.error({ deliveryId: d.id, kind: d.kind }, 'on-call delivery given up');
    return { gaveUp: true };
  }
  try {
    if (d.kind === 'dm') await dm(deps, d, job, token);
    else await webhook(deps, d);
    deps.metrics.oncall.deliveries.inc({ kind: d.kind, outcome: 'delivered' });
    return { delivered: d.kind };
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
    if (isPermanentSlackError(err) || (err instanceof SlackApiError && /user|not_found/.test(err.code))) {
      await giveUp(deps, d, (err as Error).message);
      deps.logger.error({ deliveryId: d.id, err }, 'on-call DM refused by Slack');
      throw new UnrecoverableError((err as Error).message);
    }
    await deps.pool.query('UPDATE oncall_deliveries SET last_error = $2 WHERE id = $1', [
      d.id,
      deps.redact((err as Error).message).slice(0, 500),
    ]);
    return deferIfRateLimited(err, job, token);
  }
}
