import type { Config } from '../config.ts';
import type { Locale, Translate } from '../i18n/index.ts';
import { historyBlock, type IncidentHistory } from '../postmortem/history.ts';
import { clip, type Redactor } from '../redact.ts';
import type { Report, ReportBlock, ReportControl, ReportField } from '../report/report.ts';
import { LIMITS, truncate } from '../slack/limits.ts';
import { type ChecklistPhase, progress } from './checklist.ts';
import { SEVERITIES } from './config.ts';
import type { StoredAlert } from './diff.ts';
import { serviceOf } from './evidence-config.ts';
import { alertWhere, esc, formatDuration, link, mention, shown, slackDate } from './format.ts';
import { SEVERITY_ICON as SEV_ICON, severityOf } from './severity.ts';
import { type Incident, isDeclared } from './store.ts';

export interface RenderContext {
  t: Translate;
  locale: Locale;
  redact: Redactor;
  config: Pick<Config, 'file' | 'alertmanagerUrl' | 'services'>;
  checklist: readonly ChecklistPhase[];
  now: Date;
}

const SEVERITY_ICON: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

export const ACTIONS = {
  ack: 'incident_ack',
  silence: 'incident_silence',
  resolve: 'incident_resolve',
  commander: 'incident_commander',
  expire: 'incident_silence_expire',
  checklist: 'incident_checklist',
  runStatus: 'incident_run_status',
  runLogs: 'incident_run_logs',
  /** The storm message's select: open a thread for one of its groups. */
  promote: 'incident_promote',
  /** Severity select (SEV1–SEV4), communications lead select, status update button (issue 14). */
  severity: 'incident_severity',
  commsLead: 'incident_comms_lead',
  update: 'incident_update',
} as const;

export const SILENCE_DURATIONS = { '1h': 3_600_000, '4h': 14_400_000, '24h': 86_400_000 } as const;
export type SilenceDuration = keyof typeof SILENCE_DURATIONS;

/** An annotation's value, cut to what the root can show before anything processes it. */
function annotation(inc: Incident, alerts: readonly StoredAlert[], name: string): string {
  const v = inc.commonAnnotations[name];
  if (v) return clip(v, MAX_ANNOTATION);
  const firing = alerts.find((a) => a.status === 'firing' && a.annotations[name]);
  return clip((firing ?? alerts.find((a) => a.annotations[name]))?.annotations[name] ?? '', MAX_ANNOTATION);
}

/** The root shows at most 2,000 characters of summary and description; URLs are kept to 2,800. */
const MAX_ANNOTATION = 3_000;

/** The Alertmanager UI filtered to this group. */
function alertmanagerLink(inc: Incident, base: string | undefined): string | undefined {
  const root = (inc.externalUrl || base || '').replace(/\/$/, '');
  if (!root) return undefined;
  const filter = `{${Object.entries(inc.groupLabels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
  return `${root}/#/alerts?silenced=false&inhibited=false&filter=${encodeURIComponent(filter)}`;
}

export function incidentLinks(inc: Incident, alerts: readonly StoredAlert[], ctx: RenderContext): string[] {
  const { t } = ctx;
  const links = ctx.config.file.links;
  const generator =
    alerts.find((a) => a.status === 'firing' && a.generatorURL)?.generatorURL ??
    alerts.find((a) => a.generatorURL)?.generatorURL;
  const runbook = annotation(inc, alerts, 'runbook_url') || links.runbook;
  const out = [
    link(generator, t('incidents.link.prometheus')),
    link(
      alertmanagerLink(inc, links.alertmanager ?? ctx.config.alertmanagerUrl),
      t('incidents.link.alertmanager'),
    ),
    link(annotation(inc, alerts, 'dashboard_url') || links.grafana, t('incidents.link.grafana')),
    link(runbook, t('incidents.link.runbook')),
  ];
  return out.filter((l): l is string => l !== undefined);
}

function title(inc: Incident, ctx: RenderContext): string {
  const { t } = ctx;
  const sev = severityOf(ctx.config.file.incidents, inc);
  if (inc.status === 'resolved')
    return `✅ ${t('incidents.rootTitleResolved', { alertname: inc.alertname })}`;
  const icon = SEV_ICON[sev] ?? SEVERITY_ICON[inc.severity] ?? '⚠️';
  return `${icon} ${t('incidents.rootTitleFiring', { severity: sev, alertname: inc.alertname })}`;
}

/** Instances, firing first, as mrkdwn lines; capped with "and N more". */
function instances(alerts: readonly StoredAlert[], ctx: RenderContext): string {
  const sorted = [...alerts].sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1));
  const lines: string[] = [];
  let used = 0;
  for (const [i, a] of sorted.entries()) {
    const line = `${a.status === 'firing' ? '🔥' : '✅'} ${esc(shown(ctx.redact, alertWhere(a.labels), 300))}`;
    if (i >= 20 || used + line.length > 1_800) {
      lines.push(ctx.t('incidents.moreInstances', { count: sorted.length - i }));
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n') || ctx.t('incidents.none');
}

/** The root message of an incident thread: edited in place as the incident changes. */
export function renderRoot(
  inc: Incident,
  alerts: readonly StoredAlert[],
  ctx: RenderContext,
  /** Earlier incidents of the same alert and service (what a responder needs first). */
  history?: IncidentHistory,
): Report {
  const { t, locale, redact } = ctx;
  const summary = redact(annotation(inc, alerts, 'summary'));
  const description = redact(annotation(inc, alerts, 'description'));
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const { done, total } = progress(ctx.checklist, inc.checklist);
  const resolved = inc.status === 'resolved';
  const declared = isDeclared(inc);
  const durationMs = (inc.resolvedAt ?? ctx.now).getTime() - inc.startedAt.getTime();

  const blocks: ReportBlock[] = [];
  const about = [summary && `*${esc(summary)}*`, description && esc(description)].filter(Boolean).join('\n');
  if (about) blocks.push({ kind: 'text', markup: true, text: about, max: 2_000 });

  const fields: ReportField[] = [
    {
      label: t('incidents.field.status'),
      value: `${resolved ? `✅ ${t('incidents.status.resolved')}` : `🔥 ${t('incidents.status.firing')}`}${declared ? '' : ` · ${t('incidents.firingCount', { firing, total: alerts.length })}`}`,
    },
    {
      label: t('incidents.field.severity'),
      value: `${severityOf(ctx.config.file.incidents, inc)}${inc.severity && !isDeclared(inc) ? ` · ${esc(inc.severity)}` : ''}`,
    },
    { label: t('incidents.field.started'), value: slackDate(inc.startedAt) },
    {
      label: t('incidents.field.duration'),
      value: `${formatDuration(durationMs, locale)}${resolved ? ` · ${inc.resolvedBy && inc.resolvedBy !== 'alertmanager' ? t('incidents.resolvedBy', { user: inc.resolvedBy }) : t('incidents.resolvedByAm')}` : ''}`,
    },
    { label: t('incidents.field.progress'), value: `${done}/${total}` },
    {
      label: t('incidents.field.ack'),
      value:
        inc.ackedBy && inc.ackedAt
          ? t('incidents.ackBy', { user: inc.ackedBy, at: slackDate(inc.ackedAt) })
          : '—',
    },
    { label: t('incidents.field.commander'), value: inc.commander ? mention(inc.commander) : '—' },
    { label: t('incidents.field.commsLead'), value: inc.commsLead ? mention(inc.commsLead) : '—' },
  ];
  if (inc.declaredBy) fields.push({ label: t('incidents.field.declaredBy'), value: mention(inc.declaredBy) });
  if (inc.flapCount > 0)
    fields.push({
      label: t('incidents.field.flapping'),
      value: `🔁 ${t('incidents.flapCount', { count: inc.flapCount })}`,
    });
  blocks.push({ kind: 'fields', markup: true, fields: fields.slice(0, LIMITS.sectionFields) });
  // A declared incident has no alerts to list.
  if (!declared || alerts.length)
    blocks.push({
      kind: 'text',
      markup: true,
      text: `*${t('incidents.field.instances')}*\n${instances(alerts, ctx)}`,
      max: 2_500,
    });
  if (history) blocks.push(historyBlock(history, ctx));
  if (inc.truncatedAlerts > 0)
    blocks.push({
      kind: 'context',
      markup: true,
      items: [t('incidents.truncated', { count: inc.truncatedAlerts })],
    });
  const links = incidentLinks(inc, alerts, ctx);
  if (links.length) blocks.push({ kind: 'context', markup: true, items: links });
  if (inc.statusUpdate && inc.statusUpdatedAt) {
    blocks.push({
      kind: 'text',
      markup: true,
      text: `*${t('incidents.field.lastUpdate')}* (${slackDate(inc.statusUpdatedAt)})\n${esc(shown(redact, inc.statusUpdate, 2_000))}`,
      max: 2_900,
    });
  }
  if (!resolved) blocks.push(rootActions(inc, ctx), roleActions(inc, ctx));
  blocks.push({ kind: 'context', markup: true, items: [t('incidents.incidentRef', { id: inc.id })] });

  // The notification text is markup too (notifications, fallback): values from outside escaped.
  const short = esc(truncate(summary, 300));
  const notification = resolved
    ? t('incidents.fallbackResolved', {
        alertname: esc(inc.alertname),
        summary: short,
        duration: formatDuration(durationMs, locale),
      })
    : t('incidents.fallbackFiring', {
        severity: esc(inc.severity || 'alert'),
        alertname: esc(inc.alertname),
        summary: short,
      });
  return { title: title(inc, ctx), notification, blocks };
}

function rootActions(inc: Incident, ctx: RenderContext): ReportBlock {
  const { t } = ctx;
  const value = String(inc.id);
  const controls: ReportControl[] = [];
  if (!inc.ackedBy)
    controls.push({
      kind: 'button',
      id: ACTIONS.ack,
      style: 'primary',
      value,
      label: t('incidents.button.ack'),
    });
  // A declared incident has no alert group to silence.
  for (const d of isDeclared(inc) ? [] : Object.keys(SILENCE_DURATIONS))
    controls.push({
      kind: 'button',
      id: `${ACTIONS.silence}_${d}`,
      value,
      label: t('incidents.button.silence', { d }),
    });
  controls.push({
    kind: 'button',
    id: ACTIONS.resolve,
    style: 'danger',
    value,
    label: t('incidents.button.resolve'),
  });
  controls.push({
    kind: 'user-select',
    id: ACTIONS.commander,
    placeholder: t('incidents.button.commander'),
    ...(inc.commander ? { initialUser: inc.commander } : {}),
  });
  // The service's status and error logs into the thread, when the alert names a known service.
  if (serviceOf({ ...inc.commonLabels, ...inc.groupLabels }, ctx.config.services)) {
    for (const [id, key] of [
      [ACTIONS.runStatus, 'incidents.button.status'],
      [ACTIONS.runLogs, 'incidents.button.logs'],
    ] as const)
      controls.push({ kind: 'button', id, value, label: t(key) });
  }
  return { kind: 'actions', id: `incident:${inc.id}`, controls };
}

/** Severity, communications lead and the status update button (a second row: 25 elements at most). */
function roleActions(inc: Incident, ctx: RenderContext): ReportBlock {
  const { t } = ctx;
  const sev = severityOf(ctx.config.file.incidents, inc);
  return {
    kind: 'actions',
    id: `incident_roles:${inc.id}`,
    controls: [
      {
        kind: 'select',
        id: ACTIONS.severity,
        placeholder: t('incidents.button.severity'),
        options: SEVERITIES.map((s) => ({ label: t(`incidents.sev.${s}`), value: `${inc.id}:${s}` })),
        initial: `${inc.id}:${sev}`,
      },
      {
        kind: 'user-select',
        id: ACTIONS.commsLead,
        placeholder: t('incidents.button.commsLead'),
        ...(inc.commsLead ? { initialUser: inc.commsLead } : {}),
      },
      { kind: 'button', id: ACTIONS.update, value: String(inc.id), label: t('incidents.button.update') },
    ],
  };
}
