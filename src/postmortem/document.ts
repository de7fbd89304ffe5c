import type { Locale } from '../i18n/index.ts';
import { progress } from '../incidents/checklist.ts';
import type { StoredAlert } from '../incidents/diff.ts';
import { serviceOf } from '../incidents/evidence-config.ts';
import { alertWhere, formatDuration, utc } from '../incidents/format.ts';
import { incidentLinks, type RenderContext } from '../incidents/render-root.ts';
import { eventText } from '../incidents/render-thread.ts';
import { severityOf } from '../incidents/severity.ts';
import {
  type Incident,
  type IncidentEvent,
  loadAlerts,
  loadEvents,
  loadIncident,
  type Queryable,
} from '../incidents/store.ts';
import { mdBlock, mdInline, plainMentions } from './markdown.ts';
import { type Followup, followupsOf, loadPostmortem, type Postmortem } from './store.ts';

/** Everything the postmortem document is drafted from, as stored. */
export interface PostmortemData {
  incident: Incident;
  alerts: StoredAlert[];
  events: IncidentEvent[];
  postmortem?: Postmortem;
  followups: Followup[];
}

export async function loadPostmortemData(
  db: Queryable,
  incidentId: number,
): Promise<PostmortemData | undefined> {
  const incident = await loadIncident(db, incidentId);
  if (!incident) return undefined;
  const [alerts, events, postmortem, followups] = await Promise.all([
    loadAlerts(db, incidentId),
    loadEvents(db, incidentId),
    loadPostmortem(db, incidentId),
    followupsOf(db, [incidentId]),
  ]);
  return { incident, alerts, events, postmortem, followups };
}

/** The longest timeline written into the document (the rest is counted). */
const MAX_TIMELINE = 2_000;
const MAX_INSTANCES = 200;

export function postmortemFilename(incidentId: number): string {
  return `incident-${incidentId}-postmortem.md`;
}

function annotation(inc: Incident, alerts: readonly StoredAlert[], name: string): string {
  return inc.commonAnnotations[name] || alerts.find((a) => a.annotations[name])?.annotations[name] || '';
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function who(id: string | null | undefined): string {
  if (!id) return '—';
  return id === 'alertmanager' ? 'Alertmanager' : `@${mdInline(id)}`;
}

/**
 * The postmortem in Markdown: summary, impact window, severity, people and roles, the timeline, the
 * evidence, MTTA/MTTR, root cause and lessons (empty sections to fill when nobody wrote them yet) and
 * the follow-ups. Everything from outside is redacted and escaped.
 */
export function renderPostmortem(d: PostmortemData, ctx: RenderContext): string {
  const { t, redact } = ctx;
  const locale: Locale = ctx.locale;
  const inc = d.incident;
  const h = (key: string, values?: Record<string, unknown>) => t(`postmortem.doc.${key}`, values);
  const clean = (s: string) => mdInline(redact(s));
  const labels = { ...inc.commonLabels, ...inc.groupLabels };
  const service = serviceOf(labels, ctx.config.services) ?? labels.service ?? labels.job ?? '';
  const out: string[] = [];

  out.push(`# ${h('title', { id: inc.id, alertname: clean(inc.alertname) })}`, '');
  out.push(row([h('field'), h('value')]), row(['---', '---']));
  const durationMs = inc.resolvedAt ? inc.resolvedAt.getTime() - inc.startedAt.getTime() : null;
  const fields: Array<[string, string]> = [
    [h('status'), inc.status === 'resolved' ? h('resolved') : h('firing')],
    // The SEV the incident was handled at (as on its root message), then the alert's own label.
    [
      h('severity'),
      clean(`${severityOf(ctx.config.file.incidents, inc)}${inc.severity ? ` · ${inc.severity}` : ''}`),
    ],
    [h('service'), clean(service || '—')],
    [h('started'), utc(inc.startedAt)],
    [h('acknowledged'), inc.ackedAt ? utc(inc.ackedAt) : '—'],
    [h('resolvedAt'), inc.resolvedAt ? utc(inc.resolvedAt) : '—'],
    [h('duration'), formatDuration(durationMs, locale)],
  ];
  for (const [k, v] of fields) out.push(row([k, v]));
  out.push('');

  const summary = annotation(inc, d.alerts, 'summary');
  const description = annotation(inc, d.alerts, 'description');
  out.push(`## ${h('summary')}`, '');
  out.push(
    [summary && `**${clean(summary)}**`, description && mdBlock(redact(description))]
      .filter(Boolean)
      .join('\n\n') || h('noSummary'),
    '',
  );

  out.push(`## ${h('impact')}`, '');
  out.push(
    `- ${h('window', {
      from: utc(inc.startedAt),
      to: inc.resolvedAt ? utc(inc.resolvedAt) : h('ongoing'),
      duration: formatDuration(durationMs, locale),
    })}`,
  );
  const firingEver = d.alerts.length;
  out.push(`- ${h('instances', { count: firingEver })}`);
  for (const a of d.alerts.slice(0, MAX_INSTANCES)) {
    out.push(`  - ${clean(alertWhere(a.labels))}${a.status === 'firing' ? ` (${h('stillFiring')})` : ''}`);
  }
  if (d.alerts.length > MAX_INSTANCES)
    out.push(`  - ${h('more', { count: d.alerts.length - MAX_INSTANCES })}`);
  if (inc.truncatedAlerts > 0) out.push(`- ${h('truncated', { count: inc.truncatedAlerts })}`);
  if (inc.flapCount > 0) out.push(`- ${h('flapped', { count: inc.flapCount })}`);
  out.push('');

  out.push(`## ${h('people')}`, '');
  out.push(`- ${h('commander')}: ${who(inc.commander)}`);
  out.push(`- ${h('ackedBy')}: ${who(inc.ackedBy)}`);
  out.push(`- ${h('resolvedBy')}: ${who(inc.resolvedBy)}`);
  const participants = [
    ...new Set(d.events.map((e) => e.actor).filter((a): a is string => !!a && /^[UW][A-Z0-9]+$/.test(a))),
  ];
  out.push(`- ${h('participants')}: ${participants.length ? participants.map(who).join(', ') : '—'}`);
  out.push('');

  out.push(`## ${h('timeline')}`, '');
  const shown = d.events.filter((e) => e.kind !== 'checklist' && e.kind !== 'report');
  if (shown.length === 0) out.push(h('noEvents'));
  else {
    out.push(row([h('time'), h('event')]), row(['---', '---']));
    for (const e of shown.slice(0, MAX_TIMELINE)) {
      const text = plainMentions(eventText(e, ctx, false).replace(/\s+/g, ' '));
      out.push(row([utc(e.at), clean(text)]));
    }
    if (shown.length > MAX_TIMELINE) out.push('', h('more', { count: shown.length - MAX_TIMELINE }));
  }
  out.push('');

  out.push(`## ${h('evidence')}`, '');
  const commands = shown.filter((e) => e.kind === 'command');
  const links = incidentLinks(inc, d.alerts, ctx)
    .map((l) => /^<([^|>]+)\|([^>]*)>$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  if (commands.length === 0 && links.length === 0) out.push(h('noEvidence'));
  for (const e of commands) {
    const data = e.data as Record<string, unknown>;
    out.push(
      `- ${utc(e.at)} · \`/${mdInline(String(data.command ?? ''))} ${String(data.args ?? '').replace(/`/g, "'")}\` → ${clean(String(data.title ?? ''))}${data.outcome === 'failed' ? ` (${h('failed')})` : ''}`,
    );
  }
  for (const m of links) out.push(`- [${mdInline(m[2] ?? '')}](<${m[1]}>)`);
  out.push('');

  out.push(`## ${h('metrics')}`, '');
  const { done, total } = progress(ctx.checklist, inc.checklist);
  out.push(`- MTTA (${h('mtta')}): ${formatDuration(inc.timeToAckMs, locale)}`);
  out.push(`- MTTR (${h('mttr')}): ${formatDuration(inc.timeToResolveMs, locale)}`);
  out.push(`- ${h('checklist', { done, total })}`);
  out.push('');

  const pm = d.postmortem;
  out.push(`## ${h('rootCause')}`, '');
  out.push(pm?.rootCause ? mdBlock(redact(pm.rootCause)) : `_${h('toWrite')}_`, '');
  out.push(`## ${h('lessons')}`, '');
  out.push(pm?.lessons ? mdBlock(redact(pm.lessons)) : `_${h('toWrite')}_`, '');
  if (pm?.updatedBy && pm.updatedAt) {
    out.push(`_${h('writtenBy', { user: who(pm.updatedBy), at: utc(pm.updatedAt) })}_`, '');
  }

  out.push(`## ${h('followups')}`, '');
  if (d.followups.length === 0) out.push(`_${h('noFollowups')}_`);
  for (const f of d.followups) {
    const state = f.closedAt ? h('closedOn', { at: utc(f.closedAt), user: who(f.closedBy) }) : h('open');
    out.push(
      `- [${f.closedAt ? 'x' : ' '}] #${f.id} ${clean(f.title)} — ${who(f.owner)} — ${h('due', { date: f.dueOn })} — ${state}${f.trackerRef ? ` — ${clean(f.trackerRef)}` : ''}`,
    );
  }
  out.push('');
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
