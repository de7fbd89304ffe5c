import type { Deps } from '../deps.ts';
import { serviceOf } from '../incidents/evidence-config.ts';
import { loadIncident } from '../incidents/store.ts';
import { messageLink } from '../slack/permalink.ts';
import { loadFollowup, setTrackerRef } from './store.ts';

export class TrackerError extends Error {
  override name = 'TrackerError';
}

/** The JSON a tracker webhook receives for a new follow-up (redacted like every outgoing payload). */
export function trackerPayload(
  redact: (s: string) => string,
  f: NonNullable<Awaited<ReturnType<typeof loadFollowup>>>,
  inc: NonNullable<Awaited<ReturnType<typeof loadIncident>>> | undefined,
  service: string,
) {
  const thread = inc?.rootTs ? messageLink(inc.channel, inc.rootTs) : null;
  const title = redact(f.title);
  return {
    type: 'laojun.followup.created',
    title: `[${inc?.alertname ?? 'incident'} #${f.incidentId}] ${title}`,
    body: [
      `Follow-up #${f.id} of incident #${f.incidentId}${inc ? ` (${inc.alertname}, ${inc.severity || 'no severity'})` : ''}.`,
      `Owner: Slack user ${f.owner}. Due: ${f.dueOn}.`,
      thread ? `Incident thread: ${thread}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    followup: {
      id: f.id,
      title,
      owner: f.owner,
      due_on: f.dueOn,
      created_by: f.createdBy,
      created_at: f.createdAt.toISOString(),
    },
    incident: inc
      ? {
          id: inc.id,
          alertname: inc.alertname,
          severity: inc.severity,
          service,
          started_at: inc.startedAt.toISOString(),
          resolved_at: inc.resolvedAt?.toISOString() ?? null,
          thread,
        }
      : { id: f.incidentId },
  };
}

/**
 * Enqueues follow-ups not yet accepted by the tracker whose job may be gone (Redis flushed, an
 * enqueue that failed): the job id is the follow-up's, so one still queued or retrying is not doubled.
 */
export async function requeueTracker(deps: Deps): Promise<number> {
  if (!deps.config.file.postmortem.tracker) return 0;
  const r = await deps.pool.query(
    `SELECT id FROM incident_followups
      WHERE tracker_sent_at IS NULL AND created_at < $1 ORDER BY id LIMIT 100`,
    [new Date(deps.now().getTime() - 60_000)],
  );
  for (const row of r.rows) {
    await deps.queues.enqueue(
      'followup-tracker',
      { followupId: Number(row.id) },
      { jobId: `followup-tracker-${row.id}` },
    );
  }
  return r.rows.length;
}

/**
 * Sends a follow-up to the configured issue tracker webhook. A non-2xx answer or a network error
 * throws (the job retries); the tracker's issue reference (`url`, `html_url`, `key` or `id` in its
 * JSON answer) is kept on the follow-up and shown in the postmortem.
 */
export async function sendToTracker(deps: Deps, followupId: number): Promise<'sent' | 'already' | 'gone'> {
  const tracker = deps.config.file.postmortem.tracker;
  if (!tracker) return 'gone';
  const f = await loadFollowup(deps.pool, followupId);
  if (!f) return 'gone';
  const sent = await deps.pool.query('SELECT tracker_sent_at FROM incident_followups WHERE id = $1', [
    followupId,
  ]);
  if (sent.rows[0]?.tracker_sent_at) return 'already';
  const inc = await loadIncident(deps.pool, f.incidentId);
  const labels = inc ? { ...inc.commonLabels, ...inc.groupLabels } : {};
  const service = serviceOf(labels, deps.config.services) ?? labels.service ?? labels.job ?? '';
  const body = JSON.stringify(trackerPayload(deps.redact, f, inc, service));
  let res: Response;
  try {
    res = await deps.fetch(tracker.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `laojun-followup-${f.id}`,
        ...(tracker.token ? { authorization: `Bearer ${tracker.token}` } : {}),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    deps.metrics.postmortem.trackerDeliveries.inc({ outcome: 'failed' });
    throw new TrackerError(`tracker unreachable: ${(err as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    deps.metrics.postmortem.trackerDeliveries.inc({ outcome: 'failed' });
    throw new TrackerError(`tracker answered HTTP ${res.status}`);
  }
  let ref = '';
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const v = j.html_url ?? j.url ?? j.key ?? j.id;
    if (typeof v === 'string' || typeof v === 'number') ref = String(v).slice(0, 500);
  } catch {
    // A tracker answering without JSON is fine: the follow-up is marked sent.
  }
  await setTrackerRef(deps.pool, f.id, ref, deps.now());
  deps.metrics.postmortem.trackerDeliveries.inc({ outcome: 'ok' });
  return 'sent';
}
