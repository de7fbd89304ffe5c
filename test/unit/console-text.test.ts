import { describe, expect, it } from 'vitest';
import { markupToText } from '../../src/report/markup.ts';
import { reportMessage } from '../../src/report/message.ts';
import { ConsoleSlack } from '../../src/slack/console.ts';
import { logSink } from '../helpers/bot.ts';

describe('messages in the terminal (console mode)', () => {
  it('turns links, mentions, dates and entities into readable text', () => {
    expect(
      markupToText(
        '<http://prom:9090/graph?g0=up|Prometheus 图表> by <@U0SRE> at <!date^1700000000^{time}|10:00> &lt;ok&gt; &amp; <#C0OPS|ops> <!here> *粗体*（注）',
      ),
    ).toBe('Prometheus 图表 (http://prom:9090/graph?g0=up) by @U0SRE at 10:00 <ok> & #ops @here 粗体（注）');
  });

  it('prints a message rendered from a Report as its text, one without blocks as its text made readable', async () => {
    const lines: string[] = [];
    const slack = new ConsoleSlack(logSink(lines));
    await slack.postMessage({
      channel: 'C0DEMO',
      ...reportMessage({
        title: '',
        notification: 'fallback only',
        blocks: [
          { kind: 'text', markup: true, text: '*故障处理清单*' },
          { kind: 'actions', controls: [{ kind: 'button', id: 'ack', label: '确认', value: '1' }] },
        ],
      }),
    });
    await slack.postMessage({ channel: 'C0DEMO', text: 'just <@U0SRE> &amp; text' });
    const printed = lines.join('\n');
    expect(printed).toContain('│ 故障处理清单\n│ \n│ [确认]');
    expect(printed).not.toContain('fallback only');
    expect(printed).toContain('│ just @U0SRE & text');
  });
});
