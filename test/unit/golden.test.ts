import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { runReport } from '../../src/backup/report.ts';
import { loadConfig } from '../../src/config.ts';
import { digestReport } from '../../src/digest/render.ts';
import type { ServiceFigures } from '../../src/digest/services.ts';
import { createTranslator, type Locale } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import type { StoredAlert } from '../../src/incidents/diff.ts';
import { type RenderContext, renderRoot } from '../../src/incidents/render-root.ts';
import { renderStakeholder } from '../../src/incidents/render-stakeholder.ts';
import { renderStorm, type StormMember } from '../../src/incidents/render-storm.ts';
import { renderChecklist, renderEvent, renderReport } from '../../src/incidents/render-thread.ts';
import type { Incident, IncidentEvent } from '../../src/incidents/store.ts';
import type { IncidentHistory } from '../../src/postmortem/history.ts';
import { createRedactor } from '../../src/redact.ts';
import { renderBlocks } from '../../src/report/blocks.ts';
import { reportMessage } from '../../src/report/message.ts';
import type { Report } from '../../src/report/report.ts';
import { renderText } from '../../src/report/text.ts';
import type { OutgoingMessage } from '../../src/slack/port.ts';
import { golden } from '../helpers/golden.ts';
import { BACKUP_RESULTS, digestData, serviceFigures, UNTOUCHED } from '../helpers/render-fixtures.ts';

/**
 * Golden files for every message the bot renders: incident roots, thread events, the storm message,
 * the incident report, the digest and the backup report, in both locales. `UPDATE_GOLDEN=1` rewrites
 * them; review the diff by eye (test/golden/*.blocks.json is the Block Kit contract with the
 * interaction handlers, *.txt is what console mode and the CLI print).
 */
const LOCALES: Locale[] = ['zh-CN', 'en'];
const at = (hms: string) => new Date(`2026-11-25T${hms}Z`);
const config = loadConfig({
  DATABASE_URL: 'postgres://x@127.0.0.1/db',
  ALERTMANAGER_URL: 'http://alertmanager:9093',
});

function ctx(locale: Locale): RenderContext {
  return {
    t: createTranslator(locale),
    locale,
    redact: createRedactor(['hunter2-secret'], []),
    config,
    checklist: DEFAULT_CHECKLIST,
    now: at('19:45:00'),
  };
}

const body = JSON.parse(
  readFileSync(new URL('../fixtures/alertmanager/ServiceDown-firing.json', import.meta.url), 'utf8'),
) as {
  groupKey: string;
  externalURL: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: Array<Omit<StoredAlert, 'endsAt'> & { endsAt: string }>;
};

const alerts: StoredAlert[] = [
  ...body.alerts.map((a) => ({ ...a, endsAt: null })),
  {
    fingerprint: 'fp-second',
    status: 'resolved',
    startsAt: '2026-11-25T19:28:27.005Z',
    endsAt: '2026-11-25T19:31:27.005Z',
    labels: { ...body.commonLabels, instance: '10.0.0.7:8080 <b>&' },
    annotations: { summary: 'second <instance> & hunter2-secret' },
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
  },
];

function incident(over: Partial<Incident> = {}): Incident {
  return {
    ...UNTOUCHED,
    id: 42,
    groupKey: body.groupKey,
    channel: 'C0INCIDENT',
    status: 'firing',
    alertname: 'ServiceDown',
    severity: 'critical',
    receiver: 'web\\.hook',
    externalUrl: body.externalURL,
    groupLabels: body.groupLabels,
    commonLabels: body.commonLabels,
    commonAnnotations: body.commonAnnotations,
    truncatedAlerts: 0,
    startedAt: at('19:28:27'),
    createdAt: at('19:28:30'),
    flapCount: 0,
    checklist: { 'immediate_actions:0': { by: 'U0ALICE', at: '2026-11-25T19:30:00Z' } },
    version: 3,
    syncedVersion: 2,
    rootTs: '1764098907.000100',
    rootVersion: 2,
    ...over,
  };
}

const acknowledged = incident({
  ackedAt: at('19:30:00'),
  ackedBy: 'U0ALICE',
  timeToAckMs: 93_000,
  commander: 'U0BOB',
  commsLead: 'U0CAROL',
  sev: 2,
  flapCount: 1,
  statusUpdate: 'Rolling back <deploy 1.4.2> & watching',
  statusUpdatedAt: at('19:40:00'),
  statusUpdateBy: 'U0CAROL',
});

const resolved = incident({
  ...acknowledged,
  status: 'resolved',
  resolvedAt: at('19:31:27'),
  resolvedBy: 'alertmanager',
  timeToResolveMs: 180_000,
});

const history: IncidentHistory = {
  count: 2,
  last: {
    id: 17,
    status: 'resolved',
    startedAt: at('08:00:00'),
    resolvedBy: 'U0BOB',
    timeToResolveMs: 600_000,
    channel: 'C0INCIDENT',
    rootTs: '1764057600.000200',
    rootCause: 'connection pool exhausted',
  },
  openFollowups: [
    {
      id: 3,
      incidentId: 17,
      title: 'raise pool size',
      owner: 'U0BOB',
      dueOn: '2026-11-20',
      dueAt: at('00:00:00'),
      createdBy: 'U0BOB',
      createdAt: at('09:00:00'),
      closedAt: null,
      closedBy: null,
      trackerRef: null,
    },
  ],
};

let nextId = 100;
function event(kind: string, hms: string, data: Record<string, unknown> = {}, actor: string | null = null) {
  nextId += 1;
  return {
    id: nextId,
    incidentId: 42,
    at: at(hms),
    kind,
    actor,
    data,
    post: true,
    postStartedAt: null,
    postedTs: null,
    rev: 0,
    syncedRev: 0,
  } satisfies IncidentEvent;
}

const eventAlert = (instance: string, summary: string) => ({
  fingerprint: instance,
  labels: { alertname: 'ServiceDown', instance, job: 'laojun-admin-api' },
  summary,
  startsAt: '2026-11-25T19:28:27.005Z',
  endsAt: null,
});

/** A thread in order: what happened to incident 42, one event of each kind the thread shows. */
const events: IncidentEvent[] = [
  event('opened', '19:28:30'),
  event('alerts_added', '19:29:00', {
    alerts: [eventAlert('10.0.0.7:8080', 'second <instance> & down')],
  }),
  event('oncall_page', '19:29:05', {
    step: 0,
    afterMs: 0,
    target: { kind: 'users', users: ['U0ALICE'], schedule: 'primary' },
  }),
  event('acknowledged', '19:30:00', { timeToAckMs: 93_000 }, 'U0ALICE'),
  event('ticked', '19:30:00', { item: 'immediate_actions:0' }, 'U0ALICE'),
  event('commander', '19:30:10', { commander: 'U0BOB' }, 'U0ALICE'),
  event('severity', '19:30:20', { from: 'SEV1', to: 'SEV2' }, 'U0BOB'),
  event('comms_lead', '19:30:30', { commsLead: 'U0CAROL' }, 'U0BOB'),
  event(
    'silenced',
    '19:31:00',
    { duration: '1h', silenceId: 'sil-123', endsAt: '2026-11-25T20:31:00Z' },
    'U0BOB',
  ),
  event(
    'command',
    '19:32:00',
    { command: 'status', args: 'laojun-admin-api', title: '太上老君平台状态', outcome: 'ok' },
    'U0BOB',
  ),
  event('oncall_page', '19:34:00', { step: 1, afterMs: 300_000, target: { kind: 'here' } }),
  event('status_update', '19:40:00', { text: 'Rolling back <deploy 1.4.2> & watching' }, 'U0CAROL'),
  event('alerts_resolved', '19:41:00', {
    alerts: [eventAlert('10.0.0.7:8080', '')],
  }),
  event(
    'followup_added',
    '19:42:00',
    { id: 5, title: 'alert on pool', owner: 'U0BOB', dueOn: '2026-12-01' },
    'U0BOB',
  ),
  event('resolved', '19:43:00', { durationMs: 873_000, manual: true }, 'U0BOB'),
];

const storm: StormMember[] = [
  {
    id: 51,
    alertname: 'ServiceDown',
    summary: '服务 laojun-gateway 已停止',
    status: 'firing',
    alerts: 2,
    startedAt: at('19:28:27'),
    severity: 'critical',
    groupLabels: { alertname: 'ServiceDown', job: 'laojun-gateway' },
  },
  {
    id: 52,
    alertname: 'ServiceDown',
    summary: '服务 laojun-admin-api 已停止',
    status: 'firing',
    alerts: 1,
    startedAt: at('19:28:27'),
    severity: 'critical',
    groupLabels: { alertname: 'ServiceDown', job: 'laojun-admin-api' },
    thread: { rootTs: '1764098907.000300' },
  },
  {
    id: 53,
    alertname: 'HighErrorRate',
    summary: 'error rate 12% <5xx> & rising',
    status: 'firing',
    alerts: 4,
    startedAt: at('19:29:00'),
    severity: 'warning',
  },
  {
    id: 54,
    alertname: 'HighResponseTime',
    summary: '',
    status: 'firing',
    alerts: 1,
    startedAt: at('19:29:30'),
    severity: 'warning',
    thread: { rootTs: null },
  },
  {
    id: 55,
    alertname: 'DiskSpaceHigh',
    summary: 'disk 91% on minio-0',
    status: 'resolved',
    alerts: 1,
    startedAt: at('19:20:00'),
    severity: 'info',
  },
  {
    id: 56,
    alertname: 'DatabaseConnectionHigh',
    summary: 'connections 92/100',
    status: 'firing',
    alerts: 1,
    startedAt: at('19:30:00'),
  },
];

const figures = (job: string): ServiceFigures => ({
  ...serviceFigures(job),
  // Gaps in the p95 line (no samples for an hour) are drawn as such.
  p95Trend: Array.from({ length: 24 }, (_, i) => (i % 6 === 0 ? Number.NaN : 0.2 + i / 100)),
});

const digest = digestData([figures('laojun-gateway'), figures('laojun-admin-api')]);

/** What Slack gets: the payload without console mode's text. */
const payload = ({ plain: _plain, ...msg }: OutgoingMessage) => msg;

/** One golden pair: the Block Kit payload and the text console mode prints for a message. */
function message(name: string, locale: Locale, r: Report) {
  const msg = reportMessage(r);
  golden(`${name}.${locale}.blocks.json`, `${JSON.stringify(payload(msg), null, 2)}\n`);
  golden(`${name}.${locale}.txt`, msg.plain ?? '');
}

function report(name: string, locale: Locale, r: Report) {
  golden(`${name}.${locale}.blocks.json`, `${JSON.stringify(renderBlocks(r), null, 2)}\n`);
  golden(`${name}.${locale}.txt`, renderText(r));
}

describe.each(LOCALES)('golden files (%s)', (locale) => {
  it('incident root: firing, acknowledged, resolved', () => {
    message('root-firing', locale, renderRoot(incident(), alerts, ctx(locale)));
    message('root-acknowledged', locale, renderRoot(acknowledged, alerts, ctx(locale), history));
    message(
      'root-resolved',
      locale,
      renderRoot(
        resolved,
        alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: '2026-11-25T19:31:27.005Z' })),
        ctx(locale),
        { count: 0, openFollowups: [] },
      ),
    );
  });

  it('thread: every kind of event, and the checklist', () => {
    const c = ctx(locale);
    const thread = events.map((e) => reportMessage(renderEvent(e, c)));
    golden(`thread.${locale}.blocks.json`, `${JSON.stringify(thread.map(payload), null, 2)}\n`);
    golden(`thread.${locale}.txt`, thread.map((m) => m.plain).join('────\n'));
    message('checklist', locale, renderChecklist(acknowledged, c));
  });

  it('storm message: one line per group, and compact (names by severity) beyond 40 groups', () => {
    message('storm', locale, renderStorm(storm, ctx(locale), { id: 9, channel: 'C0INCIDENT' }));
    const many = Array.from({ length: 45 }, (_, i): StormMember => {
      const base = storm[i % storm.length] as StormMember;
      return { ...base, id: 100 + i, alertname: `${base.alertname}${i % 4 ? '' : i}` };
    });
    message('storm-compact', locale, renderStorm(many, ctx(locale), { id: 10, channel: 'C0INCIDENT' }));
  });

  it('stakeholder message', () => {
    message('stakeholder', locale, renderStakeholder(acknowledged, '1764098907.000100', ctx(locale)));
  });

  it('incident report', () => {
    const { message: msg } = renderReport(resolved, events, ctx(locale));
    message('incident-report', locale, msg);
  });

  it('digest', () => {
    report(
      'digest',
      locale,
      digestReport(digest, { t: createTranslator(locale), timeZone: 'Asia/Shanghai' }),
    );
  });

  it('backup report', () => {
    const t = createTranslator(locale);
    report('backup', locale, runReport(BACKUP_RESULTS, t, { nightly: true }));
  });
});
