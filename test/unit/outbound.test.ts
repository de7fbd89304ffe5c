import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/redact.ts';
import { ConsoleSlack } from '../../src/slack/console.ts';
import { createOutboundFilter, FilteredSlack, plainText, stripUserinfo } from '../../src/slack/outbound.ts';
import type { SlackPort } from '../../src/slack/port.ts';

const redact = createRedactor(['configured-secret-value'], []);
const filter = createOutboundFilter(redact);

/** A port that records what reaches it. */
function recorder(): { port: SlackPort; seen: unknown[] } {
  const seen: unknown[] = [];
  const port: SlackPort = {
    mode: 'web',
    async postMessage(a) {
      seen.push(a);
      return { channel: a.channel, ts: '1.1' };
    },
    async updateMessage(a) {
      seen.push(a);
    },
    async postEphemeral(a) {
      seen.push(a);
    },
    async uploadFile(a) {
      seen.push(a);
    },
    async respond(url, body) {
      seen.push({ url, ...body });
    },
    async openDirectMessage(u) {
      return u;
    },
    async userGroupMembers() {
      return [];
    },
  };
  return { port, seen };
}

const LINK = '<https://admin:hunter2-pw@am.example:9093/#/alerts?x=1|Alertmanager>';
const message = {
  text: `Alert <!channel> ${LINK} configured-secret-value & more`,
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: `see ${LINK} <!here>` } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'link_0',
          text: { type: 'plain_text', text: 'Grafana' },
          url: 'https://gf:gf-pw@grafana.example/d/x',
        },
      ],
    },
  ] as never[],
  plain: 'console postgres://app:db-pw@db/app configured-secret-value',
};

function expectClean(v: unknown): void {
  const s = JSON.stringify(v);
  for (const leak of [
    'hunter2-pw',
    'admin:',
    'gf-pw',
    'gf:',
    'db-pw',
    'configured-secret-value',
    '<!channel>',
    '<!here>',
  ])
    expect(s).not.toContain(leak);
}

describe('outbound filter', () => {
  it('removes a URL’s userinfo wherever it is, keeping the link', () => {
    expect(stripUserinfo('https://u:p@host:1/x and redis://:pw@cache:6379/0 and https://u@h/')).toBe(
      'https://host:1/x and redis://cache:6379/0 and https://h/',
    );
    expect(stripUserinfo('mail a@b.example; https://h/x?at=a@b')).toBe(
      'mail a@b.example; https://h/x?at=a@b',
    );
  });

  it('makes the top-level text plain and escaped, whether or not the renderer escaped it', () => {
    expect(plainText('<!channel> <https://evil.example|click> <@U1> a & b')).toBe(
      '@channel click (https://evil.example) @U1 a &amp; b',
    );
    expect(plainText('&lt;!channel&gt; &amp;lt;')).toBe('&lt;!channel&gt; &amp;lt;');
    expect(plainText('用法：/logs <service> [--level L]')).toBe('用法：/logs &lt;service&gt; [--level L]');
    expect(plainText('<!date^1700000000^{date_short}|2023-11-14 22:13 UTC>')).toBe('2023-11-14 22:13 UTC');
    // A text-only (ephemeral) answer keeps mentions by ID, never links or broadcasts.
    expect(
      plainText('ask <@U0ADMIN> or <!subteam^S0OPS|@ops>; <https://evil.example|x> <!here> & <', true),
    ).toBe('ask <@U0ADMIN> or <!subteam^S0OPS|@ops>; x (https://evil.example) @here &amp; &lt;');
  });

  it('filters every method of the port: post, update, ephemeral, respond, upload', async () => {
    const { port, seen } = recorder();
    const slack = new FilteredSlack(port, filter);
    await slack.postMessage({ ...message, channel: 'C1' });
    await slack.updateMessage({ ...message, channel: 'C1', ts: '1.1' });
    await slack.respond('https://hooks.slack.com/x', { ...message, response_type: 'ephemeral' });
    await slack.postEphemeral({ ...message, channel: 'C1', user: 'U1', threadTs: '1.1' });
    await slack.uploadFile({
      channel: 'C1',
      filename: 'out.txt',
      title: 'token=configured-secret-value',
      content: `postgres://app:db-pw@db/app\n${LINK}`,
    });
    expect(seen).toHaveLength(5);
    for (const v of seen) expectClean(v);
    expect(JSON.stringify(seen[0])).toContain('https://am.example:9093/#/alerts?x=1');
    expect(JSON.stringify(seen[0])).toContain('https://grafana.example/d/x');
    expect(JSON.stringify(seen)).toContain(REDACTED);
    // Identifiers are left alone.
    expect(seen[1]).toMatchObject({ channel: 'C1', ts: '1.1' });
  });

  it('filters console output', async () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const slack = new FilteredSlack(new ConsoleSlack(out), filter);
    await slack.postMessage({ ...message, channel: 'C1' });
    await slack.respond('console', { text: `reply ${LINK}` });
    expectClean(lines.join(''));
    expect(lines.join('')).toContain('Alertmanager (https://am.example:9093/#/alerts?x=1)');
  });
});

describe('broadcasts', () => {
  const section = (text: string) => [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }];

  it('are never live unless the bot marks the message as one (an escalation step paging the channel)', async () => {
    const { port, seen } = recorder();
    const slack = new FilteredSlack(port, filter);
    await slack.postMessage({ channel: 'C1', text: 'x', blocks: section('<!here> <!channel> <!everyone>') });
    await slack.postMessage({
      channel: 'C1',
      text: 'x',
      blocks: section('<!here> <!channel> <!everyone> configured-secret-value'),
      broadcast: true,
    });
    const shown = seen.map((m) => JSON.stringify((m as { blocks: unknown }).blocks));
    expect(shown[0]).not.toMatch(/<!/);
    expect(shown[0]).toContain('@here @channel @everyone');
    // Marked: @here and @channel stay live, @everyone never; everything else is still filtered.
    expect(shown[1]).toContain('<!here> <!channel> @everyone');
    expect(shown[1]).toContain(REDACTED);
    expect(seen[1]).not.toHaveProperty('broadcast');
  });

  it('modal views pass the filter, and a port without modals stays without them', async () => {
    const opened: unknown[] = [];
    const { port } = recorder();
    const withViews: SlackPort = {
      ...port,
      async openView(_trigger, view) {
        opened.push(view);
        return { id: 'V1', hash: 'h' };
      },
    };
    const view = {
      type: 'modal' as const,
      callback_id: 'cb',
      title: { type: 'plain_text' as const, text: 'T' },
      blocks: section('https://u:configured-secret-value@host/x'),
    };
    await new FilteredSlack(withViews, filter).openView?.('trigger', view);
    expect(JSON.stringify(opened[0])).not.toContain('configured-secret-value');
    expect(new FilteredSlack(port, filter).openView).toBeUndefined();
  });
});
