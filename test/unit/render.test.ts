import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/report/blocks.ts';
import { mapReportText, type Report } from '../../src/report/report.ts';
import { reportSchema } from '../../src/report/schema.ts';
import { renderText } from '../../src/report/text.ts';
import { validateBlocks } from '../fakes/block-kit-rules.ts';

const statusReport: Report = {
  title: '太上老君平台状态',
  tone: 'error',
  summary: '6 个正常，1 个故障，1 个未知',
  blocks: [
    {
      kind: 'fields',
      fields: [
        { label: 'laojun-gateway', value: '🟢 正常 · up 2/2' },
        { label: 'laojun-admin-api', value: '🔴 故障 · up 0/1' },
        { label: 'postgresql', value: '🟢 正常 · connections 12/100 (12%)' },
        { label: 'redis', value: '⚪ 未知 · no answer within 2000 ms' },
      ],
    },
    {
      kind: 'table',
      table: {
        title: '慢查询',
        columns: ['calls', 'mean', 'query'],
        rows: [
          ['120', '1.2 s', 'SELECT * FROM users WHERE email = $1'],
          ['9', '340 ms', 'UPDATE plugins SET installs = installs + $1 WHERE id = $2'],
        ],
      },
    },
    { kind: 'code', title: '日志', text: '2026-11-25T10:00:00Z ERROR <db> connection refused & retried' },
  ],
  links: [{ label: 'Grafana', url: 'https://grafana.example.com/d/laojun' }],
  context: ['检查时间 2026-11-25T10:00:00.000Z'],
};

describe('Block Kit renderer', () => {
  it('renders a status report as the golden blocks', async () => {
    await expect(JSON.stringify(renderBlocks(statusReport), null, 2)).toMatchFileSnapshot(
      '../golden/status.blocks.json',
    );
  });

  it('escapes mrkdwn control characters in user text', () => {
    const all = JSON.stringify(renderBlocks(statusReport).blocks);
    expect(all).toContain('&lt;db&gt; connection refused &amp; retried');
  });

  it('moves long output to a file and keeps the message valid', () => {
    const lines = Array.from(
      { length: 2_000 },
      (_, i) => `2026-11-25T10:00:${String(i % 60).padStart(2, '0')}Z ERROR line ${i}`,
    );
    const msg = renderBlocks(
      { title: '日志', blocks: [{ kind: 'code', text: lines.join('\n') }] },
      { attachedNote: (f) => `完整内容见附件 ${f}` },
    );
    expect(validateBlocks(msg.blocks)).toMatchObject({ ok: true });
    expect(msg.file?.content).toContain('line 1999');
    expect(JSON.stringify(msg.blocks)).toContain('完整内容见附件 report.txt');
    expect(msg.text.length).toBeGreaterThan(0);
  });

  it('never produces blocks Slack would reject, whatever the report', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 5_000 });
    const label = fc.string({ unit: 'grapheme', maxLength: 200 });
    const options = fc.array(fc.record({ label, value: fc.string({ minLength: 1, maxLength: 300 }) }), {
      minLength: 1,
      maxLength: 120,
    });
    const control = fc.oneof(
      fc.record({
        kind: fc.constant('button' as const),
        id: fc.string({ minLength: 1, maxLength: 300 }),
        label,
        value: fc.string({ maxLength: 3_000 }),
      }),
      fc.record({
        kind: fc.constant('select' as const),
        id: fc.string({ minLength: 1, maxLength: 300 }),
        placeholder: label,
        options,
      }),
      fc.record({
        kind: fc.constant('user-select' as const),
        id: fc.string({ minLength: 1, maxLength: 300 }),
        placeholder: label,
      }),
      fc.record({
        kind: fc.constant('checkboxes' as const),
        id: fc.string({ minLength: 1, maxLength: 300 }),
        options,
      }),
    );
    const report = fc.record({
      title: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }),
      summary: fc.option(text, { nil: undefined }),
      blocks: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('text' as const), text }),
          fc.record({
            kind: fc.constant('fields' as const),
            fields: fc.array(fc.record({ label: fc.string({ maxLength: 300 }), value: text }), {
              maxLength: 30,
            }),
          }),
          fc.record({ kind: fc.constant('code' as const), text }),
          fc.record({
            kind: fc.constant('table' as const),
            table: fc.record({
              columns: fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 4 }),
              rows: fc.array(fc.array(fc.string({ maxLength: 200 }), { maxLength: 4 }), { maxLength: 60 }),
            }),
          }),
          fc.constant({ kind: 'divider' as const }),
          fc.record({ kind: fc.constant('context' as const), items: fc.array(text, { maxLength: 15 }) }),
          fc.record({
            kind: fc.constant('actions' as const),
            id: fc.string({ minLength: 1, maxLength: 300 }),
            controls: fc
              .array(control, { maxLength: 30 })
              .map((cs) => cs.map((c, i) => ({ ...c, id: `${c.id}${i}` }))),
          }),
          fc.record({
            kind: fc.constant('text' as const),
            text,
            id: fc.string({ minLength: 1, maxLength: 300 }),
            control: control.filter((c) => c.kind === 'checkboxes'),
          }),
        ),
        { maxLength: 80 },
      ),
      links: fc.array(fc.record({ label: fc.string({ maxLength: 200 }), url: fc.webUrl() }), {
        maxLength: 40,
      }),
      context: fc.array(fc.string({ maxLength: 400 }), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(report, (r) => {
        const msg = renderBlocks(r as Report);
        const verdict = validateBlocks(msg.blocks);
        expect(verdict).toMatchObject({ ok: true });
        expect(msg.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });
});

/** An incident-like message: markup, named blocks, controls of every kind. */
const withControls: Report = {
  title: '',
  notification: '*ServiceDown* &lt;firing&gt;',
  blocks: [
    {
      kind: 'text',
      markup: true,
      text: '*故障* by <@U0SRE> at <!date^1700000000^{time}|10:00> &amp; more',
      max: 30,
    },
    { kind: 'fields', markup: true, fields: [{ label: '状态', value: '🔥 <@U0BOB>' }] },
    {
      kind: 'text',
      markup: true,
      text: '*立即行动*',
      id: 'checklist:7:immediate',
      control: {
        kind: 'checkboxes',
        id: 'incident_checklist:immediate',
        options: [
          { label: '确认 <范围>', value: 'immediate:0', description: '✓ <@U0SRE> 11-25 19:30' },
          { label: '通知相关人员', value: 'immediate:1' },
        ],
        checked: ['immediate:0'],
      },
    },
    { kind: 'context', markup: true, items: ['<https://grafana.example|Grafana>', '事件 #7'] },
    {
      kind: 'actions',
      id: 'incident:7',
      controls: [
        { kind: 'button', id: 'incident_ack', label: '确认', value: '7', style: 'primary' },
        {
          kind: 'select',
          id: 'incident_severity',
          placeholder: '事件级别',
          options: [
            { label: 'SEV1', value: '7:SEV1' },
            { label: 'SEV2', value: '7:SEV2' },
          ],
          initial: '7:SEV2',
        },
        { kind: 'user-select', id: 'incident_commander', placeholder: '指定事件指挥', initialUser: 'U0BOB' },
      ],
    },
  ],
};

describe('controls and markup', () => {
  it('keep ids, values and block ids as given; markup is shown as it is, labels escaped', () => {
    const msg = renderBlocks(withControls);
    expect(validateBlocks(msg.blocks)).toMatchObject({ ok: true });
    expect(msg.text).toBe('*ServiceDown* &lt;firing&gt;');
    expect(msg.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*故障* by <@U0SRE> at <!date^17…' },
    });
    const [, fields, checklist, context, actions] = msg.blocks as unknown as Array<Record<string, unknown>>;
    expect(fields).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*状态*\n🔥 <@U0BOB>' }] });
    expect(checklist?.block_id).toBe('checklist:7:immediate');
    expect(checklist?.accessory).toEqual({
      type: 'checkboxes',
      action_id: 'incident_checklist:immediate',
      options: [
        {
          text: { type: 'mrkdwn', text: '确认 &lt;范围&gt;' },
          value: 'immediate:0',
          description: { type: 'mrkdwn', text: '✓ <@U0SRE> 11-25 19:30' },
        },
        { text: { type: 'mrkdwn', text: '通知相关人员' }, value: 'immediate:1' },
      ],
      initial_options: [
        {
          text: { type: 'mrkdwn', text: '确认 &lt;范围&gt;' },
          value: 'immediate:0',
          description: { type: 'mrkdwn', text: '✓ <@U0SRE> 11-25 19:30' },
        },
      ],
    });
    expect(context?.elements).toEqual([
      { type: 'mrkdwn', text: '<https://grafana.example|Grafana>' },
      { type: 'mrkdwn', text: '事件 #7' },
    ]);
    expect(actions).toMatchObject({
      type: 'actions',
      block_id: 'incident:7',
      elements: [
        { type: 'button', action_id: 'incident_ack', style: 'primary', value: '7', text: { text: '确认' } },
        {
          type: 'static_select',
          action_id: 'incident_severity',
          initial_option: { text: { type: 'plain_text', text: 'SEV2' }, value: '7:SEV2' },
        },
        { type: 'users_select', action_id: 'incident_commander', initial_user: 'U0BOB' },
      ],
    });
  });

  it('read as text in a terminal: buttons in brackets, the chosen option, ticked boxes', () => {
    expect(renderText(withControls)).toBe(
      [
        '故障 by @U0SRE at 10:00 & more',
        '',
        '状态  🔥 @U0BOB',
        '',
        '立即行动',
        '☑ 确认 <范围>  ✓ @U0SRE 11-25 19:30',
        '☐ 通知相关人员',
        '',
        'Grafana (https://grafana.example) · 事件 #7',
        '',
        '[确认] [事件级别: SEV2 ▾] [指定事件指挥: @U0BOB ▾]',
        '',
      ].join('\n'),
    );
  });

  it('redaction maps labels, placeholders and options but never ids or values', () => {
    const upper = mapReportText(withControls, (s) => s.toUpperCase().replace('确认', 'ACK'));
    const actions = upper.blocks?.[4];
    expect(actions).toMatchObject({
      kind: 'actions',
      id: 'incident:7',
      controls: [
        { id: 'incident_ack', label: 'ACK', value: '7' },
        { id: 'incident_severity', placeholder: '事件级别', initial: '7:SEV2' },
        { id: 'incident_commander', initialUser: 'U0BOB' },
      ],
    });
    const checklist = upper.blocks?.[2];
    expect(checklist).toMatchObject({
      control: { options: [{ label: 'ACK <范围>', value: 'immediate:0' }, {}] },
    });
    expect(upper.notification).toBe('*SERVICEDOWN* &LT;FIRING&GT;');
  });

  it('one schema checks a report kept in job data, controls included', () => {
    const kept = JSON.parse(JSON.stringify(withControls)) as unknown;
    expect(reportSchema.parse(kept)).toEqual(withControls);
    expect(
      reportSchema.safeParse({ title: 'x', blocks: [{ kind: 'actions', controls: [{ kind: 'button' }] }] })
        .success,
    ).toBe(false);
  });
});

describe('terminal renderer', () => {
  it('renders a status report as the golden text, columns aligned for CJK', async () => {
    await expect(renderText(statusReport)).toMatchFileSnapshot('../golden/status.txt');
  });
});
