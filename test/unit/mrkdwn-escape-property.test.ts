import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../src/backup/report.ts';
import type { TargetResult } from '../../src/backup/run.ts';
import { loadConfig } from '../../src/config.ts';
import type { DigestData } from '../../src/digest/collect.ts';
import { digestFileSchema } from '../../src/digest/config.ts';
import { digestReport } from '../../src/digest/render.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import type { StoredAlert } from '../../src/incidents/diff.ts';
import { type RenderContext, renderRoot } from '../../src/incidents/render-root.ts';
import { renderStorm } from '../../src/incidents/render-storm.ts';
import { renderChecklist, renderEvent, renderReport } from '../../src/incidents/render-thread.ts';
import type { Incident, IncidentEvent } from '../../src/incidents/store.ts';
import { createRedactor } from '../../src/redact.ts';
import { renderBlocks } from '../../src/report/blocks.ts';
import { reportMessage } from '../../src/report/message.ts';
import type { Report } from '../../src/report/report.ts';
import { createOutboundFilter } from '../../src/slack/outbound.ts';
import { UNTOUCHED } from '../helpers/render-fixtures.ts';

/**
 * Issue 11, defect 3: whatever text comes from outside (alert labels and annotations, log lines,
 * arguments, error messages), no renderer lets it become live mrkdwn. Checked on every mrkdwn field and
 * the top-level `text` of root, thread, storm, report, digest, backup, command reports and refusals:
 * once the bot's own tokens are set aside (mentions of known users, dates, links it built), no `<` or
 * `>` is left, and every `&` starts an entity.
 */

const DANGER = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0EVIL>',
  '<#C0EVIL>',
  '<!subteam^S0EVIL>',
  '<https://evil.example/x|click>',
  '<mailto:a@evil.example|mail>',
  '&',
  '<',
  '>',
  '&lt;',
  '&amp;',
  '```',
  '*',
];
/** Random text with the dangerous fragments mixed in. */
const evil = fc
  .array(fc.oneof(fc.constantFrom(...DANGER), fc.string({ maxLength: 12 })), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''));

/** Tokens the bot itself writes: mentions of the users it was given, dates, links to its own targets. */
const BOT_TOKENS =
  /<@U0(?:ACT|ACK|CMD)>|<!date\^\d+\^[^<>|]*\|[^<>]*>|<https:\/\/(?:slack\.com|runbooks\.example|grafana\.example|prometheus\.example)[^<>|]*\|[^<>]*>|<http:\/\/(?:alertmanager|prometheus):\d+[^<>|]*\|[^<>]*>|<https:\/\/[a-z]+\.slack\.com\/archives\/[^<>|]*\|[^<>]*>/g;

function expectInert(s: string, where: string): void {
  const rest = s.replace(BOT_TOKENS, '');
  const why = `${where}: ${JSON.stringify(s).slice(0, 400)}`;
  expect(rest, why).not.toMatch(/[<>]/);
  expect(rest.replace(/&(?:amp|lt|gt);/g, ''), why).not.toContain('&');
}

/** Every mrkdwn text object's text in a block list. */
function mrkdwnTexts(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) mrkdwnTexts(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
    for (const v of Object.values(o)) mrkdwnTexts(v, out);
  }
  return out;
}

function expectMessageInert(m: { text: string; blocks?: KnownBlock[] }, where: string): void {
  expectInert(m.text, `${where} text`);
  for (const s of mrkdwnTexts(m.blocks ?? [])) expectInert(s, `${where} block`);
  // What is actually sent: the same after the outbound filter.
  const sent = filter.message(m);
  expectInert(sent.text, `${where} sent text`);
  for (const s of mrkdwnTexts(sent.blocks ?? [])) expectInert(s, `${where} sent block`);
}

const redact = createRedactor(['secret-token-value'], []);
const filter = createOutboundFilter(redact);
const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });

function ctx(locale: 'zh-CN' | 'en', checklistItem: string): RenderContext {
  return {
    t: createTranslator(locale),
    locale,
    redact,
    config: {
      ...config,
      file: { ...config.file, links: { ...config.file.links, grafana: 'https://grafana.example/d/x' } },
    },
    checklist: [{ ...DEFAULT_CHECKLIST[0], items: [checklistItem, 'b'] } as (typeof DEFAULT_CHECKLIST)[0]],
    now: new Date('2026-11-25T20:00:00Z'),
  };
}

function incident(e: string, over: Partial<Incident> = {}): Incident {
  return {
    ...UNTOUCHED,
    id: 7,
    groupKey: '{}:{alertname="X"}',
    channel: 'C0INCIDENT',
    status: 'firing',
    alertname: e,
    severity: e,
    receiver: 'web',
    externalUrl: 'http://alertmanager:9093',
    groupLabels: { alertname: e, job: e },
    commonLabels: { alertname: e, severity: 'critical' },
    commonAnnotations: { summary: e, description: e },
    truncatedAlerts: 0,
    startedAt: new Date('2026-11-25T19:00:00Z'),
    createdAt: new Date('2026-11-25T19:00:05Z'),
    ackedAt: new Date('2026-11-25T19:01:00Z'),
    ackedBy: 'U0ACK',
    commander: 'U0CMD',
    timeToAckMs: 60_000,
    flapCount: 1,
    checklist: { 'immediate_actions:0': { by: 'U0ACT', at: '2026-11-25T19:05:00Z' } },
    ...over,
  };
}

function alerts(e: string): StoredAlert[] {
  return [
    {
      fingerprint: 'fp1',
      status: 'firing',
      startsAt: '2026-11-25T19:00:00.000Z',
      endsAt: null,
      labels: { alertname: e, instance: e, job: e },
      annotations: { summary: e, description: e },
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    },
    {
      fingerprint: 'fp2',
      status: 'resolved',
      startsAt: '2026-11-25T19:00:00.000Z',
      endsAt: '2026-11-25T19:30:00.000Z',
      labels: { alertname: e, pod: e },
      annotations: { summary: e },
      generatorURL: '',
    },
  ];
}

function events(e: string): IncidentEvent[] {
  const at = new Date('2026-11-25T19:10:00Z');
  const base = {
    incidentId: 7,
    at,
    actor: 'U0ACT',
    postedTs: null,
    postStartedAt: null,
    rev: 0,
    syncedRev: 0,
  };
  const alert = {
    fingerprint: 'fp',
    labels: { instance: e, job: e },
    summary: e,
    startsAt: at.toISOString(),
    endsAt: null,
  };
  const data: Array<[IncidentEvent['kind'], Record<string, unknown>]> = [
    ['alerts_added', { alerts: [alert, alert] }],
    ['alerts_resolved', { alerts: [alert] }],
    ['alerts_refired', { alerts: [alert] }],
    ['opened', {}],
    ['reopened', { flapCount: 2 }],
    ['resolved', { manual: true, durationMs: 1000 }],
    ['acknowledged', { timeToAckMs: 1000 }],
    ['silenced', { duration: e, silenceId: e, endsAt: '2026-11-25T21:00:00Z' }],
    ['silence_expired', { silenceId: e }],
    ['commander', { commander: e }],
    ['promoted', {}],
    ['command', { command: 'logs', args: e, title: e, outcome: 'failed' }],
    ['ticked', { item: 'immediate_actions:0' }],
  ];
  return data.map(([kind, d], i) => ({ ...base, id: i + 1, kind, data: d }) as unknown as IncidentEvent);
}

function report(e: string): Report {
  return {
    title: e,
    tone: 'warn',
    summary: e,
    blocks: [
      { kind: 'text', text: e },
      { kind: 'fields', fields: [{ label: e, value: e, tone: 'error' }] },
      { kind: 'table', table: { title: e, columns: [e, 'b'], rows: [[e, e]] } },
      { kind: 'code', title: e, text: e },
    ],
    links: [{ label: e, url: 'https://grafana.example/d/x' }],
    context: [e],
  };
}

function digest(e: string): DigestData {
  const down = { ok: false as const, source: e, reason: e };
  return {
    now: new Date('2026-11-25T01:00:00Z'),
    day: '2026-11-25',
    config: digestFileSchema.parse(undefined),
    services: { ok: true, value: [] },
    capacity: down,
    resources: down,
    incidents: {
      state: 'ok',
      value: {
        opened: 1,
        byAlert: [{ alertname: e, count: 1, flaps: 1 }],
        stillOpen: [
          {
            id: 1,
            alertname: e,
            summary: e,
            severity: e,
            startedAt: new Date(),
            channel: 'C0INCIDENT',
            threadTs: '1.2',
          },
        ],
        openCount: 1,
        flapping: [{ alertname: e, flaps: 2 }],
      },
    },
    backups: { state: 'error', reason: e },
    slowQueries: down,
    chart: down,
  };
}

const locales = fc.constantFrom('zh-CN' as const, 'en' as const);
const RUNS = { numRuns: 60 };

describe('mrkdwn escaping over every renderer (property-based)', () => {
  it('incident root, as posted and as updated (resolved)', () => {
    fc.assert(
      fc.property(evil, locales, (e, locale) => {
        const c = ctx(locale, e);
        expectMessageInert(reportMessage(renderRoot(incident(e), alerts(e), c)), 'root');
        const resolved = incident(e, {
          status: 'resolved',
          resolvedAt: new Date('2026-11-25T19:40:00Z'),
          resolvedBy: 'U0ACT',
        });
        expectMessageInert(reportMessage(renderRoot(resolved, alerts(e), c)), 'root resolved');
      }),
      RUNS,
    );
  });

  it('thread replies, checklist and the incident report', () => {
    fc.assert(
      fc.property(evil, locales, (e, locale) => {
        const c = ctx(locale, e);
        for (const ev of events(e)) expectMessageInert(reportMessage(renderEvent(ev, c)), `event ${ev.kind}`);
        expectMessageInert(reportMessage(renderChecklist(incident(e), c)), 'checklist');
        const r = renderReport(incident(e, { status: 'resolved', resolvedAt: new Date() }), events(e), c);
        expectMessageInert(reportMessage(r.message), 'report');
      }),
      RUNS,
    );
  });

  it('storm message', () => {
    fc.assert(
      fc.property(evil, locales, (e, locale) => {
        const members = [1, 2, 3].map((id) => ({
          id,
          alertname: e,
          summary: e,
          status: id === 3 ? ('resolved' as const) : ('firing' as const),
          alerts: id,
          startedAt: new Date('2026-11-25T19:00:00Z'),
          groupLabels: { job: e },
          ...(id === 2 ? { thread: { rootTs: '1700000000.000100' } } : {}),
        }));
        expectMessageInert(
          reportMessage(renderStorm(members, ctx(locale, e), { id: 1, channel: 'C0INCIDENT' })),
          'storm',
        );
      }),
      RUNS,
    );
  });

  it('digest, backup and command reports', () => {
    fc.assert(
      fc.property(evil, locales, (e, locale) => {
        const t = createTranslator(locale);
        expectMessageInert(renderBlocks(digestReport(digest(e), { t, timeZone: 'Asia/Shanghai' })), 'digest');
        const results: TargetResult[] = [
          { target: 'postgres', status: 'failed', error: e, durationMs: 10 },
          {
            target: 'redis',
            status: 'ok',
            id: '1',
            bytes: 10,
            sha256: 'abc',
            location: e,
            durationMs: 10,
            verification: e,
            details: {},
            expired: [e],
          },
        ];
        expectMessageInert(renderBlocks(runReport(results, t)), 'backup');
        expectMessageInert(renderBlocks(report(e)), 'command report');
      }),
      RUNS,
    );
  });

  it('refusals and acknowledgements (text-only answers) as sent', () => {
    fc.assert(
      fc.property(evil, locales, (e, locale) => {
        const t = createTranslator(locale);
        for (const text of [
          t('commands.unknownCommand', { command: e, list: '/status /logs' }),
          t('common.working', { command: `/logs ${e}` }),
          t('commands.denied', { permission: e, command: '/backup', grantedBy: e }),
          t('incidents.errors.silenceFailed', { message: e }),
        ]) {
          // A text-only answer is ephemeral: mentions by ID stay live there (they notify no one), nothing
          // else does — no broadcast, no link, no stray `<`, `>` or `&`.
          const sent = filter.text(text, true);
          expect(sent).not.toMatch(/<!(?:channel|here|everyone)|<https?:|<mailto:/);
          expectInert(sent.replace(/<(?:@U|#C|!subteam\^S)[A-Z0-9]+>/g, ''), 'refusal');
        }
      }),
      RUNS,
    );
  });
});
