import { oncallEventText } from '../oncall/render.ts';
import { POSTMORTEM_ACTIONS } from '../postmortem/ids.ts';
import { clip } from '../redact.ts';
import type { Report, ReportBlock, ReportOption } from '../report/report.ts';
import { LIMITS, truncate } from '../slack/limits.ts';
import { itemKey, itemLabel, phaseTitle, progress } from './checklist.ts';
import { EVIDENCE_USER } from './evidence-config.ts';
import { alertWhere, cutWithin, esc, formatDuration, mention, shown, slackDate, utc } from './format.ts';
import { ACTIONS, type RenderContext } from './render-root.ts';
import type { Incident, IncidentEvent } from './store.ts';

interface EventAlert {
  fingerprint: string;
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt: string | null;
}

function alertLines(alerts: EventAlert[], ctx: RenderContext): string {
  const lines: string[] = [];
  let used = 0;
  for (const [i, a] of alerts.entries()) {
    const line = `• ${esc(shown(ctx.redact, alertWhere(a.labels), 300))}${a.summary ? ` — ${esc(shown(ctx.redact, a.summary, 300))}` : ''}`;
    if (i >= 30 || used + line.length > 2_400) {
      lines.push(ctx.t('incidents.moreInstances', { count: alerts.length - i }));
      break;
    }
    lines.push(truncate(line, 300));
    used += line.length + 1;
  }
  return lines.join('\n');
}

/**
 * One line of text for an event: mrkdwn for thread replies, one line for the incident report's
 * timeline. Every value from outside is escaped when the text goes into mrkdwn (`escapeValues`, on for
 * thread replies and the report's timeline block, off for the report file).
 */
export function eventText(
  e: IncidentEvent,
  ctx: RenderContext,
  mrkdwn = true,
  escapeValues = mrkdwn,
): string {
  const { t, locale } = ctx;
  const d = e.data as Record<string, unknown>;
  // Values interpolated into the catalogue's mrkdwn: cut, and escaped when the result is mrkdwn.
  const v = (x: unknown, max = 300) => {
    const s = clip(x === undefined || x === null ? '' : String(x), max);
    return escapeValues ? esc(s) : s;
  };
  const user = v(e.actor ?? '', 40);
  switch (e.kind) {
    case 'alerts_added':
    case 'alerts_resolved':
    case 'alerts_refired': {
      const alerts = (d.alerts as EventAlert[] | undefined) ?? [];
      const head = t(`incidents.event.${e.kind}`, { count: alerts.length });
      return mrkdwn
        ? `${head}\n${alertLines(alerts, ctx)}`
        : `${head} ${v(
            alerts
              .slice(0, 30)
              .map((a) => clip(alertWhere(a.labels), 200))
              .join(', '),
            1_000,
          )}`;
    }
    case 'opened':
      return t('incidents.event.opened');
    case 'reopened':
      return t('incidents.event.reopened', { count: Number(d.flapCount) });
    case 'resolved':
      return d.manual
        ? t('incidents.event.resolvedManual', {
            user,
            duration: formatDuration(Number(d.durationMs), locale),
          })
        : t('incidents.event.resolved', { duration: formatDuration(Number(d.durationMs), locale) });
    case 'acknowledged':
      return t('incidents.event.acknowledged', {
        user,
        duration: formatDuration(Number(d.timeToAckMs), locale),
      });
    case 'silenced':
      return t('incidents.event.silenced', {
        user,
        d: v(d.duration),
        id: v(d.silenceId),
        until: mrkdwn ? slackDate(String(d.endsAt)) : utc(String(d.endsAt)),
      });
    case 'silence_expired':
      return t('incidents.event.silenceExpired', { user, id: v(d.silenceId) });
    case 'commander':
      return t('incidents.event.commander', {
        user,
        commander: escapeValues ? mention(String(d.commander ?? '')) : `<@${String(d.commander ?? '')}>`,
      });
    case 'promoted':
      return t('incidents.event.promoted', { user });
    case 'declared': {
      const q = d.quote as { text?: string; channel?: string; ts?: string; user?: string } | null;
      const head = t('incidents.event.declared', {
        user,
        title: v(ctx.redact(String(d.title ?? '')), 150),
        severity: v(d.severity, 8),
      });
      const service = d.service
        ? ` · ${t('incidents.event.declaredService', { service: v(d.service, 60) })}`
        : '';
      if (!q?.text) return `${head}${service}`;
      const text = ctx.redact(clip(String(q.text), 1_500));
      const quoted = mrkdwn
        ? text
            .split('\n')
            .slice(0, 15)
            .map((l) => `> ${esc(l)}`)
            .join('\n')
        : `"${escapeValues ? esc(text) : text}"`;
      const from = q.user ? t('incidents.event.quotedFrom', { user: v(q.user, 40) }) : '';
      return `${head}${service}\n${from}\n${quoted}`;
    }
    case 'severity':
      return t('incidents.event.severity', { user, from: v(d.from, 8), to: v(d.to, 8) });
    case 'comms_lead':
      return t('incidents.event.commsLead', {
        user,
        lead: escapeValues ? mention(String(d.commsLead ?? '')) : `<@${String(d.commsLead ?? '')}>`,
      });
    case 'status_update':
      return t('incidents.event.statusUpdate', {
        user,
        text: mrkdwn
          ? esc(ctx.redact(clip(String(d.text ?? ''), 2_000)))
          : v(ctx.redact(String(d.text ?? '')), 2_000),
      });
    case 'update_reminder':
      if (typeof d.user !== 'string' || !d.user)
        return t('incidents.event.updateReminderNobody', { minutes: Number(d.minutes ?? 0) });
      return t('incidents.event.updateReminder', {
        who: escapeValues ? mention(d.user) : `<@${d.user}>`,
        minutes: Number(d.minutes ?? 0),
      });
    case 'postmortem_updated':
      return t('postmortem.event.postmortemUpdated', { user });
    case 'followup_added':
      return t('postmortem.event.followupAdded', {
        user,
        id: d.id,
        title: mrkdwn ? esc(ctx.redact(String(d.title ?? ''))) : ctx.redact(String(d.title ?? '')),
        owner: d.owner,
        due: d.dueOn,
      });
    case 'followup_closed':
      return t('postmortem.event.followupClosed', {
        user,
        id: d.id,
        title: mrkdwn ? esc(ctx.redact(String(d.title ?? ''))) : ctx.redact(String(d.title ?? '')),
      });
    case 'command': {
      const values = {
        user,
        command: v(d.command, 40),
        args: v(d.args),
        title: v(d.title),
        failed: d.outcome === 'failed' ? t('incidents.event.commandFailed') : '',
      };
      return user === EVIDENCE_USER
        ? t('incidents.event.commandAuto', values)
        : t('incidents.event.command', values);
    }
    case 'oncall_page':
    case 'oncall_stopped':
      return oncallEventText(e, ctx);
    case 'ticked':
      if (user === EVIDENCE_USER)
        return t('oncall.event.tickedByBot', { item: v(itemLabel(ctx.checklist, String(d.item))) });
      return t(`incidents.event.${e.kind}`, { user, item: v(itemLabel(ctx.checklist, String(d.item))) });
    case 'unticked':
      return t(`incidents.event.${e.kind}`, { user, item: v(itemLabel(ctx.checklist, String(d.item))) });
    default:
      return e.kind;
  }
}

/** A thread reply for a timeline event (not for the checklist or the report). */
export function renderEvent(e: IncidentEvent, ctx: RenderContext): Report {
  const text = truncate(eventText(e, ctx), LIMITS.sectionText);
  const blocks: ReportBlock[] = [{ kind: 'text', markup: true, text }];
  if (e.kind === 'silenced' && typeof e.data.silenceId === 'string') {
    blocks.push({
      kind: 'actions',
      controls: [
        {
          kind: 'button',
          id: ACTIONS.expire,
          value: `${e.incidentId}:${e.data.silenceId}`,
          label: ctx.t('incidents.button.expire'),
        },
      ],
    });
  }
  if (e.kind === 'followup_added' && typeof e.data.id === 'number') {
    blocks.push({
      kind: 'actions',
      controls: [
        {
          kind: 'button',
          id: POSTMORTEM_ACTIONS.closeFollowup,
          value: `${e.incidentId}:${e.data.id}`,
          label: ctx.t('postmortem.button.close'),
        },
      ],
    });
  }
  // An escalation step that pages the channel is the one message meant to notify everyone in it.
  const target = (e.data as { target?: { kind?: string } }).target;
  const broadcast = e.kind === 'oncall_page' && (target?.kind === 'here' || target?.kind === 'channel');
  return { title: '', notification: text, blocks, ...(broadcast ? { broadcast } : {}) };
}

/** The response checklist: one checkbox group per phase, each tick showing who and when. */
export function renderChecklist(inc: Incident, ctx: RenderContext): Report {
  const { t } = ctx;
  const { done, total } = progress(ctx.checklist, inc.checklist);
  const heading = t('incidents.checklistTitle', { done, total });
  const blocks: ReportBlock[] = [{ kind: 'text', markup: true, text: `*${esc(heading)}*` }];
  for (const phase of ctx.checklist.slice(0, 20)) {
    const options: ReportOption[] = phase.items.slice(0, 10).map((item, i) => {
      const key = itemKey(phase.id, i);
      const tick = inc.checklist[key];
      return {
        label: item,
        value: key,
        ...(tick
          ? {
              description:
                tick.by === EVIDENCE_USER
                  ? t('oncall.tickedByBot', { at: utc(tick.at).slice(5, 16) })
                  : t('incidents.tickedBy', { user: tick.by, at: utc(tick.at).slice(5, 16) }),
            }
          : {}),
      };
    });
    blocks.push({
      kind: 'text',
      markup: true,
      text: `*${esc(phaseTitle(phase, t))}*`,
      id: `checklist:${inc.id}:${phase.id}`,
      control: {
        kind: 'checkboxes',
        id: `${ACTIONS.checklist}:${phase.id}`,
        options,
        checked: options.filter((o) => inc.checklist[o.value]).map((o) => o.value),
      },
    });
  }
  return { title: '', notification: heading, blocks };
}

/** The generated incident report: summary, the post-incident prompt and the timeline. */
export function renderReport(
  inc: Incident,
  events: readonly IncidentEvent[],
  ctx: RenderContext,
): { message: Report; file?: { filename: string; content: string } } {
  const { t, locale } = ctx;
  const { done, total } = progress(ctx.checklist, inc.checklist);
  const title = t('incidents.report.title', { id: inc.id, alertname: inc.alertname });
  const summary = t('incidents.report.summary', {
    started: utc(inc.startedAt),
    resolved: inc.resolvedAt ? utc(inc.resolvedAt) : '—',
    duration: formatDuration(inc.timeToResolveMs, locale),
    tta: formatDuration(inc.timeToAckMs, locale),
    done,
    total,
  });
  const timelineOf = (escapeValues: boolean) =>
    ctx.redact(
      events
        .filter((e) => e.kind !== 'checklist' && e.kind !== 'report')
        .map(
          (e) => `${utc(e.at).slice(11, 19)}  ${eventText(e, ctx, false, escapeValues).replace(/\s+/g, ' ')}`,
        )
        .join('\n'),
    );
  // The file is plain text; the block is markup, with label values and arguments escaped.
  const full = timelineOf(false);
  const escaped = timelineOf(true);
  const timeline = cutWithin(escaped, 2_800, '\n…');
  const blocks: ReportBlock[] = [
    { kind: 'text', markup: true, text: `${esc(summary)}\n\n${t('incidents.report.prompt')}` },
    {
      kind: 'text',
      markup: true,
      text: `*${t('incidents.report.timeline')}*\n\`\`\`${timeline.replaceAll('```', 'ʼʼʼ') || '—'}\`\`\``,
    },
  ];
  const overflow = escaped.length > 2_800;
  if (overflow) blocks.push({ kind: 'context', markup: true, items: [t('incidents.report.more')] });
  // The post-incident phase: root cause and lessons, preventive measures (modals).
  blocks.push({
    kind: 'actions',
    id: `postmortem:${inc.id}`,
    controls: [
      {
        kind: 'button',
        id: POSTMORTEM_ACTIONS.edit,
        style: 'primary',
        value: String(inc.id),
        label: t('postmortem.button.lessons'),
      },
      {
        kind: 'button',
        id: POSTMORTEM_ACTIONS.addFollowup,
        value: String(inc.id),
        label: t('postmortem.button.addFollowup'),
      },
    ],
  });
  const message: Report = { title, notification: esc(`${title}\n${summary}`), blocks };
  if (!overflow) return { message };
  const content = `# ${title}\n\n${summary}\n\n${t('incidents.report.prompt')}\n\n## ${t('incidents.report.timeline')}\n\n${full}\n`;
  return { message, file: { filename: `incident-${inc.id}-report.md`, content } };
}
