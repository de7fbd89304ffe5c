import type { Deps } from '../deps.ts';
import { draftPostmortem } from '../postmortem/draft.ts';
import { historyForRoot } from '../postmortem/history.ts';
import { reportMessage } from '../report/message.ts';
import { SlackRateLimitedError } from '../slack/errors.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { checklistOf } from './checklist.ts';
import { enqueueSyncs } from './enqueue.ts';
import { DECLARED_EVIDENCE } from './evidence-config.ts';
import { postOnce, update } from './post-once.ts';
import type { RenderContext } from './render-root.ts';
import { renderRoot } from './render-root.ts';
import { renderStakeholder } from './render-stakeholder.ts';
import { renderChecklist, renderEvent, renderReport } from './render-thread.ts';
import {
  acquireLease,
  claimOpenedHook,
  type Incident,
  type IncidentEvent,
  isDeclared,
  joinStartedStorm,
  loadAlerts,
  loadEvents,
  loadIncident,
  markChecklistShown,
  markEventPosted,
  markRootShown,
  markStakeholderShown,
  markSynced as markSyncedIn,
  pendingThreadEvents,
  recordRootPosted,
  recordStakeholderPosted,
  releaseLease,
  rootsWaiting,
  stormWaiting,
} from './store.ts';

export type SyncOutcome = 'synced' | 'busy' | 'gone' | 'stormed';

export function renderContext(deps: Deps): RenderContext {
  return {
    t: deps.t,
    locale: deps.locale,
    redact: deps.redact,
    config: deps.config,
    checklist: checklistOf(deps.config),
    now: deps.now(),
  };
}

/** The root message: the incident, its alerts and its history (earlier incidents of the same alert). */
async function rootMessage(deps: Deps, inc: Incident, ctx: RenderContext): Promise<OutgoingMessage> {
  const [alerts, history] = await Promise.all([
    loadAlerts(deps.pool, inc.id),
    historyForRoot(deps, inc, deps.config.services),
  ]);
  return reportMessage(renderRoot(inc, alerts, ctx, history));
}

/** The root's ts (posted once, see postOnce), and whether it was posted just now with the current content. */
async function ensureRoot(
  deps: Deps,
  inc: Incident,
  ctx: RenderContext,
): Promise<{ ts: string; fresh: boolean }> {
  if (inc.rootTs) return { ts: inc.rootTs, fresh: false };
  const { ts, adopted } = await postOnce(
    deps,
    { table: 'incidents', id: inc.id, claimedAt: inc.rootClaimedAt },
    {
      channel: inc.channel,
      marker: { incident: inc.id, part: 'root' },
      render: async () => rootMessage(deps, inc, ctx),
    },
  );
  // An adopted root shows an earlier version: root_version stays, so it is edited next.
  await recordRootPosted(deps.pool, inc.id, ts, adopted ? 0 : inc.version);
  await announceOpened(deps, inc, ts);
  return { ts, fresh: !adopted };
}

/** The hook for features that add to a new thread (evidence): job `incident-opened`, once. */
async function announceOpened(deps: Deps, inc: Incident, threadTs: string) {
  if (!(await claimOpenedHook(deps.pool, inc.id))) return;
  await deps.queues
    .enqueue(
      'incident-opened',
      {
        incidentId: inc.id,
        channel: inc.channel,
        threadTs,
        alertname: isDeclared(inc) ? DECLARED_EVIDENCE : inc.alertname,
        labels: { ...inc.commonLabels, ...inc.groupLabels },
      },
      { jobId: `incident-opened-${inc.id}` },
    )
    .catch((err) => {
      // The thread exists either way; only the extra diagnostics are missed.
      deps.logger.warn({ incidentId: inc.id, err }, 'incident-opened hook not enqueued');
    });
}

async function postEvent(deps: Deps, inc: Incident, rootTs: string, e: IncidentEvent, ctx: RenderContext) {
  let file: { filename: string; content: string } | undefined;
  const render = async (): Promise<OutgoingMessage> => {
    if (e.kind === 'checklist') return reportMessage(renderChecklist(inc, ctx));
    if (e.kind === 'report') {
      const report = renderReport(inc, await loadEvents(deps.pool, inc.id), ctx);
      // The postmortem document, drafted from what is stored now, goes with the report (and is kept).
      file = await draftPostmortem(deps, inc.id, ctx);
      return reportMessage(report.message);
    }
    return reportMessage(renderEvent(e, ctx));
  };
  const { ts, adopted } = await postOnce(
    deps,
    { table: 'incident_events', id: e.id, claimedAt: e.postStartedAt },
    { channel: inc.channel, threadTs: rootTs, marker: { incident: inc.id, part: `event-${e.id}` }, render },
  );
  // The checklist as posted shows the ticks of this moment (an adopted earlier post may not).
  await markEventPosted(deps.pool, e.id, ts, !adopted);
  if (adopted) return;
  if (file) {
    await deps.slack
      .uploadFile({
        channel: inc.channel,
        threadTs: rootTs,
        filename: file.filename,
        title: file.filename,
        content: file.content,
      })
      .catch((err) => deps.logger.warn({ incidentId: inc.id, err }, 'report file not uploaded'));
  }
}

/**
 * Makes Slack match the stored incident: the root (posted once, or one edit for all changes since
 * the version it shows: consecutive edits coalesce), then the thread replies not yet posted (in
 * timeline order) and the checklist's ticks. Repeats until nothing changed meanwhile.
 */
export async function syncIncident(deps: Deps, incidentId: number): Promise<SyncOutcome> {
  const got = await acquireLease(deps.pool, 'incidents', incidentId);
  if (got === undefined) return 'gone';
  if (!got) return 'busy';
  // A group promoted from a storm message is still listed there: its row follows what was shown.
  let fromStorm: number | null = null;
  try {
    for (let pass = 0; pass < 5; pass += 1) {
      const inc = await loadIncident(deps.pool, incidentId);
      if (!inc) return 'gone';
      if (inc.syncedVersion >= inc.version) return 'synced';
      if (inc.stormId !== null) {
        await markSynced(deps, inc);
        return 'stormed';
      }
      fromStorm = inc.promotedFromStormId;
      if (!inc.rootTs && !inc.rootClaimedAt && fromStorm === null) {
        // A storm began while this root waited for the channel's posting budget: the group is
        // named in the storm message's next edit instead (promotable from there like the others).
        const { storm } = deps.config.file.incidents;
        const joined = await joinStartedStorm(deps.pool, inc.id, {
          channel: inc.channel,
          now: deps.now(),
          ...storm,
        });
        if (joined !== undefined) {
          deps.logger.info(
            { incidentId: inc.id, stormId: joined },
            'root not posted yet: the group joins the storm message',
          );
          await refreshStorm(deps, joined);
          return 'stormed';
        }
      }
      if (!inc.rootTs && fromStorm === null && (await stormWaiting(deps.pool, inc.channel))) {
        // Storm first: one storm message names hundreds of groups, a root names one; under the
        // channel's 1 post/s the storm message goes before the roots still waiting.
        deps.metrics.incidents.paced.inc({ method: 'storm-first' });
        throw new SlackRateLimitedError('chat.postMessage', ROOTS_FIRST_RETRY_MS, inc.channel);
      }
      const ctx = renderContext(deps);
      const { ts: rootTs, fresh } = await ensureRoot(deps, inc, ctx);
      const events = await pendingThreadEvents(deps.pool, inc.id);
      // The root first (edits have their own budget): a resolution shows in the channel at once,
      // not after this thread's replies have had their turn at the channel's 1 post/s.
      if (!fresh && inc.rootVersion < inc.version) {
        await update(deps, inc.channel, rootTs, await rootMessage(deps, inc, ctx));
        await markRootShown(deps.pool, inc.id, inc.version);
      }
      await syncStakeholders(deps, inc, rootTs, ctx);
      if (events.some((e) => e.postedTs === null) && (await rootsWaiting(deps.pool, inc))) {
        // Roots first: under the channel's 1 post/s, a group nobody has seen yet matters more than
        // this thread's replies, which follow.
        deps.metrics.incidents.paced.inc({ method: 'roots-first' });
        throw new SlackRateLimitedError('chat.postMessage', ROOTS_FIRST_RETRY_MS, inc.channel);
      }
      for (const e of events) {
        if (e.postedTs === null) await postEvent(deps, inc, rootTs, e, ctx);
        else {
          await update(deps, inc.channel, e.postedTs, reportMessage(renderChecklist(inc, ctx)));
          await markChecklistShown(deps.pool, e.id, e.rev);
        }
      }
      await markSynced(deps, inc);
    }
    return 'synced';
  } finally {
    await releaseLease(deps.pool, 'incidents', incidentId);
    if (fromStorm !== null) await refreshStorm(deps, fromStorm);
  }
}

/**
 * The stakeholder channel's one message per incident: posted with the first status update
 * (exactly once, see postOnce), then edited in place whenever the incident changes.
 */
async function syncStakeholders(deps: Deps, inc: Incident, rootTs: string, ctx: RenderContext) {
  const channel = deps.config.file.incidents.stakeholderChannel;
  if (!channel || !inc.statusUpdate || inc.stakeholderVersion >= inc.version) return;
  const render = () => reportMessage(renderStakeholder(inc, rootTs, ctx));
  let ts = inc.stakeholderTs;
  if (!ts) {
    const posted = await postOnce(
      deps,
      { table: 'incident_stakeholder', id: inc.id, claimedAt: inc.stakeholderClaimedAt },
      { channel, marker: { incident: inc.id, part: 'stakeholder' }, render },
    );
    await recordStakeholderPosted(deps.pool, inc.id, posted.ts, posted.adopted ? 0 : inc.version);
    // An adopted message shows an earlier version: edited below.
    if (!posted.adopted) return;
    ts = posted.ts;
  }
  await update(deps, channel, ts, render());
  await markStakeholderShown(deps.pool, inc.id, inc.version);
}

/** How soon a thread whose replies gave way to other groups' roots tries again. */
const ROOTS_FIRST_RETRY_MS = 1_000;

/** Enqueues an edit of a storm message (coalesced); the sweep catches up if this is lost. */
async function refreshStorm(deps: Deps, stormId: number) {
  await enqueueSyncs(deps, [{ stormId }]);
}

/** Slack shows this version of the incident; the sync-lag histogram learns how long that took. */
async function markSynced(deps: Deps, inc: Incident) {
  const changedAt = await markSyncedIn(deps.pool, inc.id, inc.version);
  if (changedAt) {
    deps.metrics.incidents.syncLag.observe(Math.max(0, (deps.now().getTime() - changedAt.getTime()) / 1000));
  }
}
