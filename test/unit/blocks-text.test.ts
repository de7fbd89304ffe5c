import { describe, expect, it } from 'vitest';
import { blocksToText, mrkdwnToText } from '../../src/slack/blocks-text.ts';
import { ConsoleSlack } from '../../src/slack/console.ts';
import { logSink } from '../helpers/bot.ts';

describe('Block Kit in the terminal (console mode)', () => {
  it('turns links, mentions, dates and entities into readable text', () => {
    expect(
      mrkdwnToText(
        '<http://prom:9090/graph?g0=up|Prometheus 图表> by <@U0SRE> at <!date^1700000000^{time}|10:00> &lt;ok&gt; &amp; <#C0OPS|ops>',
      ),
    ).toBe('Prometheus 图表 (http://prom:9090/graph?g0=up) by @U0SRE at 10:00 <ok> & #ops');
  });

  it('renders headers, fields as label: value, checklists with their ticks, buttons and selects', () => {
    const text = blocksToText([
      { type: 'header', text: { type: 'plain_text', text: '🔴 CRITICAL ServiceDown' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*服务 laojun-admin-api 已停止*' },
        fields: [{ type: 'mrkdwn', text: '*状态*\n🔥 告警中' }],
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*立即行动*' },
        accessory: {
          type: 'checkboxes',
          action_id: 'tick',
          options: [
            { text: { type: 'mrkdwn', text: '确认故障范围和影响' }, value: 'a' },
            { text: { type: 'mrkdwn', text: '通知相关人员' }, value: 'b' },
          ],
          initial_options: [{ text: { type: 'mrkdwn', text: '通知相关人员' }, value: 'b' }],
        },
      },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: '确认' }, action_id: 'ack' },
          { type: 'users_select', placeholder: { type: 'plain_text', text: '指定事件指挥' }, action_id: 'c' },
        ],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '事件 #1' },
          { type: 'mrkdwn', text: 'ref' },
        ],
      },
    ]);
    expect(text).toBe(
      [
        '━━ 🔴 CRITICAL ServiceDown ━━',
        '服务 laojun-admin-api 已停止',
        '状态: 🔥 告警中',
        '立即行动',
        '☐ 确认故障范围和影响',
        '☑ 通知相关人员',
        '────────',
        '[确认] [指定事件指挥 ▾]',
        '事件 #1 · ref',
      ].join('\n'),
    );
  });

  it('console mode prints a message with blocks as its blocks, and one without blocks as its text', async () => {
    const lines: string[] = [];
    const slack = new ConsoleSlack(logSink(lines));
    await slack.postMessage({
      channel: 'C0DEMO',
      text: 'fallback only',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '故障处理清单' } }],
    });
    await slack.postMessage({ channel: 'C0DEMO', text: 'just text' });
    const printed = lines.join('\n');
    expect(printed).toContain('│ 故障处理清单');
    expect(printed).not.toContain('fallback only');
    expect(printed).toContain('│ just text');
  });
});
