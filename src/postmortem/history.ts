import type { ServiceConfig } from '../config.ts';
import { serviceOf } from '../incidents/evidence-config.ts';
import { esc, formatDuration, slackDate } from '../incidents/format.ts';
import type { RenderContext } from '../incidents/render-root.ts';
import { earlierIncidents, type Incident, type Queryable } from '../incidents/store.ts';
import type { Logger } from '../logger.ts';
import type { ReportBlock } from '../report/report.ts';
import { LIMITS, truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import { type Followup, followupsOf } from './store.ts';

/** What the bot already knows when an alert fires again: earlier incidents of the same alert and service. */
export interface IncidentHistory {
  /** Earlier incidents of the same alert name and service in the window. */
  count: number;
  last?: {
    id: number;
    status: 'firing' | 'resolved';
    startedAt: Date;
    resolvedBy: string | null;
    timeToResolveMs: number | null;
    channel: string;
    rootTs: string | null;
    rootCause: string;
  };
  /** Open follow-ups of those incidents. */
  openFollowups: Followup[];
}

export const HISTORY_DAYS = 30;

function serviceKey(labels: Record<string, string>, services: readonly ServiceConfig[]): string {
  return serviceOf(labels, services) ?? labels.service ?? labels.job ?? '';
}

/** Earlier incidents (opened before this one, within 30 days) of the same alert name and service. */
export async function incidentHistory(
  db: Queryable,
  inc: Incident,
  services: readonly ServiceConfig[],
): Promise<IncidentHistory> {
  const since = new Date(inc.startedAt.getTime() - HISTORY_DAYS * 86_400_000);
  const earlier = await earlierIncidents(db, inc.alertname, inc.id, since);
  const mine = serviceKey({ ...inc.commonLabels, ...inc.groupLabels }, services);
  const same = earlier.filter(
    (x) =>
      serviceKey(
        { ...(x.common_labels as Record<string, string>), ...(x.group_labels as Record<string, string>) },
        services,
      ) === mine,
  );
  if (same.length === 0) return { count: 0, openFollowups: [] };
  const top = same[0] as Record<string, unknown>;
  const lastId = Number(top.id);
  const pm = await db.query('SELECT root_cause FROM incident_postmortems WHERE incident_id = $1', [lastId]);
  const followups = await followupsOf(
    db,
    same.map((x) => Number(x.id)),
  );
  return {
    count: same.length,
    last: {
      id: lastId,
      status: top.status as 'firing' | 'resolved',
      startedAt: top.started_at as Date,
      resolvedBy: (top.resolved_by as string | null) ?? null,
      timeToResolveMs: top.time_to_resolve_ms === null ? null : Number(top.time_to_resolve_ms),
      channel: String(top.channel),
      rootTs: (top.root_ts as string | null) ?? null,
      rootCause: String(pm.rows[0]?.root_cause ?? ''),
    },
    openFollowups: followups.filter((f) => !f.closedAt),
  };
}

/** Loads the history for a root, or undefined when it cannot be read now (the root is posted without it). */
export async function historyForRoot(
  deps: { pool: Queryable; logger: Pick<Logger, 'warn'> },
  inc: Incident,
  services: readonly ServiceConfig[],
): Promise<IncidentHistory | undefined> {
  try {
    return await incidentHistory(deps.pool, inc, services);
  } catch (err) {
    deps.logger.warn({ incidentId: inc.id, err }, 'incident history not loaded');
    return undefined;
  }
}

/** The root message's history section (markup). */
export function historyBlock(h: IncidentHistory, ctx: RenderContext): ReportBlock {
  const { t, locale } = ctx;
  if (h.count === 0 || !h.last) {
    return { kind: 'context', markup: true, items: [`📚 ${t('postmortem.history.first')}`] };
  }
  const last = h.last;
  const when = last.rootTs
    ? `<${messageLink(last.channel, last.rootTs)}|${slackDate(last.startedAt)}>`
    : slackDate(last.startedAt);
  const lines = [`*${t('postmortem.history.title')}*`, t('postmortem.history.count', { count: h.count })];
  if (last.status === 'resolved') {
    const how =
      !last.resolvedBy || last.resolvedBy === 'alertmanager'
        ? t('postmortem.history.byAm')
        : t('postmortem.history.byHand', { user: last.resolvedBy });
    lines.push(
      t('postmortem.history.last', {
        when,
        id: last.id,
        how,
        duration: formatDuration(last.timeToResolveMs, locale),
      }),
    );
  } else {
    lines.push(t('postmortem.history.lastOpen', { when, id: last.id }));
  }
  if (last.rootCause) {
    lines.push(
      t('postmortem.history.rootCause', {
        text: esc(truncate(ctx.redact(last.rootCause).replace(/\s+/g, ' '), 300)),
      }),
    );
  }
  if (h.openFollowups.length) {
    lines.push(t('postmortem.history.followups'));
    for (const f of h.openFollowups.slice(0, 5)) {
      lines.push(
        t('postmortem.history.followup', {
          id: f.id,
          title: esc(truncate(ctx.redact(f.title), 150)),
          owner: f.owner,
          due: f.dueOn,
          overdue: f.dueAt <= ctx.now ? t('postmortem.history.overdue') : '',
        }),
      );
    }
    if (h.openFollowups.length > 5)
      lines.push(t('postmortem.history.moreFollowups', { count: h.openFollowups.length - 5 }));
  }
  return { kind: 'text', markup: true, text: lines.join('\n'), max: LIMITS.sectionText - 100 };
}
