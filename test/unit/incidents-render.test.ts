import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import type { StoredAlert } from '../../src/incidents/diff.ts';
import { renderRoot } from '../../src/incidents/render-root.ts';
import { renderStakeholder } from '../../src/incidents/render-stakeholder.ts';
import { renderStorm, type StormMember } from '../../src/incidents/render-storm.ts';
import { renderChecklist, renderEvent, renderReport } from '../../src/incidents/render-thread.ts';
import type { Incident, IncidentEvent } from '../../src/incidents/store.ts';
import { createRedactor } from '../../src/redact.ts';
import { reportMessage } from '../../src/report/message.ts';
import { LIMITS } from '../../src/slack/limits.ts';
import { validateBlocks } from '../fakes/block-kit-rules.ts';
import { UNTOUCHED } from '../helpers/render-fixtures.ts';

const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
const long = (n: number) => '告警描述'.repeat(Math.ceil(n / 4)).slice(0, n);
const ctx = (locale: 'zh-CN' | 'en' = 'zh-CN', checklist = DEFAULT_CHECKLIST) => ({
  t: createTranslator(locale),
  locale,
  redact: createRedactor(['secret-token-value'], []),
  config,
  checklist,
  now: new Date('2026-11-25T20:00:00Z'),
});

function incident(over: Partial<Incident> = {}): Incident {
  return {
    ...UNTOUCHED,
    id: 7,
    groupKey: '{}:{alertname="ServiceDown"}',
    channel: 'C0INCIDENT',
    status: 'firing',
    alertname: 'ServiceDown',
    severity: 'critical',
    receiver: 'web\\.hook',
    externalUrl: 'http://alertmanager:9093',
    groupLabels: { alertname: 'ServiceDown' },
    commonLabels: { alertname: 'ServiceDown', severity: 'critical' },
    commonAnnotations: { summary: long(5_000), description: `${long(9_000)} secret-token-value` },
    truncatedAlerts: 12,
    startedAt: new Date('2026-11-25T19:00:00Z'),
    createdAt: new Date('2026-11-25T19:00:05Z'),
    flapCount: 3,
    checklist: { 'immediate_actions:0': { by: 'U1', at: '2026-11-25T19:05:00Z' } },
    ...over,
  };
}

const alerts: StoredAlert[] = Array.from({ length: 500 }, (_, i) => ({
  fingerprint: `fp${i}`,
  status: i % 3 ? 'firing' : 'resolved',
  startsAt: '2026-11-25T19:00:00.000Z',
  endsAt: null,
  labels: {
    alertname: 'ServiceDown',
    instance: `host-${i}-${'x'.repeat(200)}:8080`,
    job: 'laojun-admin-api',
  },
  annotations: { summary: long(3_000), runbook_url: 'https://runbooks.example/servicedown' },
  generatorURL: `http://prometheus:9090/graph?g0.expr=${'a'.repeat(5_000)}`,
}));

function expectValid(msg: { text: string; blocks?: unknown[] }) {
  const verdict = validateBlocks(msg.blocks);
  expect(verdict).toMatchObject({ ok: true });
  expect(msg.text.length).toBeGreaterThan(0);
  expect(msg.text.length).toBeLessThanOrEqual(40_000);
}

describe('incident rendering stays within Block Kit limits', () => {
  it('root message: huge annotations, 500 alerts, too-long links; secrets redacted; truncation shown', () => {
    const msg = reportMessage(renderRoot(incident(), alerts, ctx()));
    expectValid(msg);
    const all = JSON.stringify(msg.blocks);
    expect(all).not.toContain('secret-token-value');
    expect(all).toContain('截断了 12 条告警');
    expect(all).toContain('1/16');
    expect(all).toContain('https://runbooks.example/servicedown');
    expect(all).not.toContain('a'.repeat(3_000)); // the over-long generatorURL is left out
    expect(all).toContain('incident_silence_24h');
  });

  it('resolved root has no buttons and shows the duration, in English too', () => {
    const resolved = incident({
      status: 'resolved',
      resolvedAt: new Date('2026-11-25T20:30:00Z'),
      resolvedBy: 'alertmanager',
    });
    const msg = reportMessage(renderRoot(resolved, alerts.slice(0, 2), ctx('en')));
    expectValid(msg);
    expect(JSON.stringify(msg.blocks)).not.toContain('incident_ack');
    expect(msg.text).toContain('1h 30m');
  });

  it('checklist with the largest allowed configuration', () => {
    const big = Array.from({ length: 6 }, (_, p) => ({
      id: `phase_${p}`,
      items: Array.from({ length: 10 }, (_, i) => `${long(140)}${i}`),
    }));
    expectValid(reportMessage(renderChecklist(incident(), ctx('zh-CN', big))));
    const normal = reportMessage(renderChecklist(incident(), ctx()));
    expectValid(normal);
    expect(JSON.stringify(normal.blocks)).toContain('立即行动');
  });

  it('storm message with 150 groups and long summaries', () => {
    const members = Array.from({ length: 150 }, (_, i) => ({
      id: i,
      alertname: `Alert${i}${'n'.repeat(100)}`,
      summary: long(500),
      status: 'firing' as const,
      alerts: 3,
      startedAt: new Date(),
    }));
    const msg = reportMessage(renderStorm(members, ctx(), { id: 3, channel: 'C0INCIDENT' }));
    expectValid(msg);
    for (let i = 0; i < 150; i += 1) expect(JSON.stringify(msg.blocks)).toContain(`Alert${i}n`);
  });

  describe('storm message: a select to open a thread for a group still firing', () => {
    const storm = { id: 3, channel: 'C0INCIDENT' };
    const member = (i: number, over: Partial<StormMember> = {}): StormMember => ({
      id: i + 1,
      alertname: `Alert${i}${'n'.repeat(100)}`,
      summary: `${long(500)} secret-token-value`,
      status: 'firing',
      alerts: 3,
      startedAt: new Date(),
      groupLabels: { alertname: `Alert${i}`, job: `job-${i}-${'j'.repeat(60)}` },
      ...over,
    });
    const selectsOf = (msg: { blocks?: unknown[] }) =>
      ((msg.blocks ?? []) as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements ?? [])
        .filter((e) => e.type === 'static_select') as Array<{
        action_id: string;
        options: Array<{ text: { text: string }; value: string }>;
      }>;
    const withinBudget = (msg: { blocks?: unknown[] }) => {
      const verdict = validateBlocks(msg.blocks);
      expect(verdict).toMatchObject({ ok: true });
      if (verdict.ok) expect(verdict.totalText).toBeLessThanOrEqual(LIMITS.totalBlockText);
    };

    it('150 firing groups: every one offered, in selects of at most 100 options of at most 75 characters', () => {
      const msg = reportMessage(
        renderStorm(
          Array.from({ length: 150 }, (_, i) => member(i)),
          ctx(),
          storm,
        ),
      );
      withinBudget(msg);
      const selects = selectsOf(msg);
      expect(selects.map((s) => s.options.length)).toEqual([100, 50]);
      expect(new Set(selects.map((s) => s.action_id)).size).toBe(2);
      const values = selects.flatMap((s) => s.options.map((o) => o.value));
      expect(values).toEqual(Array.from({ length: 150 }, (_, i) => String(i + 1)));
      for (const o of selects.flatMap((s) => s.options)) expect(o.text.text.length).toBeLessThanOrEqual(75);
      expect(JSON.stringify(msg.blocks)).not.toContain('secret-token-value');
      expect(JSON.stringify(msg.blocks)).toContain('为此告警组开启事件线程');
    });

    it('a few groups: options name the group (labels and summary); resolved and promoted ones are not offered', () => {
      const members = [
        member(0, {
          alertname: 'ServiceDown',
          summary: 'admin api down',
          groupLabels: { alertname: 'ServiceDown', job: 'laojun-admin-api' },
        }),
        member(1, { status: 'resolved' }),
        member(2, { thread: { rootTs: '1700000000.000100' } }),
        member(3, { thread: { rootTs: null } }),
      ];
      const msg = reportMessage(renderStorm(members, ctx('en'), storm));
      withinBudget(msg);
      const [select] = selectsOf(msg);
      expect(select?.options).toEqual([
        { text: { type: 'plain_text', text: 'ServiceDown laojun-admin-api · admin api down' }, value: '1' },
      ]);
      const all = JSON.stringify(msg.blocks);
      expect(all).toContain('<https://slack.com/archives/C0INCIDENT/p1700000000000100|🧵 thread>');
      expect(all).toContain('opening a thread');
      expect(all).toContain('Open an incident thread for');
    });

    it('every group promoted: rows link to their threads, no select, still within the limits', () => {
      const members = Array.from({ length: 150 }, (_, i) =>
        member(i, { thread: { rootTs: `1700000${String(i).padStart(3, '0')}.000100` } }),
      );
      const msg = reportMessage(renderStorm(members, ctx(), storm));
      withinBudget(msg);
      expect(selectsOf(msg)).toEqual([]);
      const all = JSON.stringify(msg.blocks);
      for (let i = 0; i < 150; i += 1) expect(all).toContain(`Alert${i}`);
      // Past DETAILED_MAX groups the message is compact: a promoted group's name links its thread.
      expect(all).toContain('|🧵>');
    });

    it('nothing left to offer: no select', () => {
      const msg = reportMessage(renderStorm([member(0, { status: 'resolved' })], ctx(), storm));
      withinBudget(msg);
      expect(selectsOf(msg)).toEqual([]);
    });
  });

  it('events and a report with a long timeline (the rest goes to a file)', () => {
    const events: IncidentEvent[] = Array.from({ length: 400 }, (_, i) => ({
      id: i,
      incidentId: 7,
      at: new Date(),
      kind: 'alerts_added',
      actor: null,
      data: { alerts: alerts.slice(0, 40).map((a) => ({ ...a, summary: long(200) })) },
      post: true,
      postStartedAt: null,
      postedTs: null,
      rev: 0,
      syncedRev: 0,
    }));
    expectValid(reportMessage(renderEvent(events[0] as IncidentEvent, ctx())));
    const report = renderReport(incident({ status: 'resolved', resolvedAt: new Date() }), events, ctx());
    expectValid(reportMessage(report.message));
    expect(report.file?.content.split('\n').length).toBeGreaterThan(400);
  });
});

describe('a declared incident', () => {
  it('shows its SEV, roles and latest update; no alerts, no silence; valid Block Kit; the stakeholder message too', () => {
    const inc = incident({
      groupKey: 'declared:abc',
      alertname: '网关大量 502 <!channel>',
      severity: 'error',
      sev: 2,
      commonLabels: { severity: 'error', service: 'laojun-gateway' },
      commonAnnotations: { summary: '网关大量 502 <!channel>' },
      truncatedAlerts: 0,
      flapCount: 0,
      commander: 'U0CMD',
      commsLead: 'U0COMMS',
      declaredBy: 'U0SRE',
      statusUpdate: '已回滚 <@U0X> *bold*',
      statusUpdatedAt: new Date('2026-11-25T19:30:00Z'),
      statusUpdateBy: 'U0COMMS',
    });
    const root = reportMessage(renderRoot(inc, [], ctx()));
    const text = JSON.stringify(root.blocks);
    expect(validateBlocks(root.blocks).ok).toBe(true);
    expect(text).toContain('🟠 SEV2');
    expect(text).toContain('<@U0COMMS>');
    expect(text).toContain('<@U0SRE>');
    expect(text).toContain('已回滚 &lt;@U0X&gt;');
    // Live only in mrkdwn (the header is plain text): escaped there.
    const mrkdwnOnly = (blocks: unknown[] | undefined) =>
      JSON.stringify((blocks ?? []).filter((b) => (b as { type: string }).type !== 'header'));
    expect(mrkdwnOnly(root.blocks)).not.toContain('<!channel>');
    expect(text).not.toContain('incident_silence_1h');
    expect(text).not.toContain('受影响实例');
    expect(text).toContain('incident_severity');
    const stake = reportMessage(renderStakeholder(inc, '1.2', ctx('en')));
    expect(validateBlocks(stake.blocks).ok).toBe(true);
    expect(JSON.stringify(stake.blocks)).toContain('SEV2');
    expect(JSON.stringify(stake.blocks)).toContain('Communications lead');
    expect(mrkdwnOnly(stake.blocks)).not.toContain('<!channel>');
    expect(stake.text).not.toContain('<!channel>');
  });
});
