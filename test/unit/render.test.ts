import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/report/blocks.ts';
import type { Report } from '../../src/report/report.ts';
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

describe('terminal renderer', () => {
  it('renders a status report as the golden text, columns aligned for CJK', async () => {
    await expect(renderText(statusReport)).toMatchFileSnapshot('../golden/status.txt');
  });
});
