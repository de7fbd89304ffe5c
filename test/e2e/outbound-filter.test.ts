import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { alertGroup, configFile, postAlerts, replies, roots } from '../helpers/incidents.ts';

const TOKEN = 'outbound-alert-token-0123456789';
const EVIL = '<!channel> look <https://evil.example/x|click here> & <@U0EVIL> <!here|here>';

/** Every payload the bot sent to Slack (Web API bodies and response_url posts), as one string. */
function traffic(t: TestBot): string {
  return JSON.stringify(t.slack.calls.map((c) => c.body));
}

/** mrkdwn tokens the bot did not build: anything the alert text could have turned live. */
function liveTokens(s: string): string[] {
  return [...s.matchAll(/<(!channel|!here|!everyone|@U0EVIL|https:\/\/evil\.example[^>]*)>/g)].map(
    (m) => m[0],
  );
}

/**
 * Issue 11, defects 2 and 3 through the running bot and the fake Slack: links built from
 * ALERTMANAGER_URL and links.grafana lose their user:password@, and alert text (summary, label values)
 * reaches Slack escaped — in the root's top-level text and blocks, its update and the incident report.
 */
describe('outbound filter and escaping, end to end', () => {
  let t: TestBot;

  beforeAll(async () => {
    t = await startTestBot({
      ALERT_WEBHOOK_TOKEN: TOKEN,
      ALERTMANAGER_URL: 'http://amuser:am-hunter2-pass@127.0.0.1:9/',
      CONFIG_FILE: configFile('links:\n  grafana: https://gfuser:gf-hunter2-pass@grafana.example/d/laojun\n'),
    });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('root, update and report: no userinfo, no live mention, escaped text', async () => {
    const firing: Record<string, unknown> = alertGroup('EvilText', 1);
    firing.externalURL = '';
    const alert = (firing.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    alert.labels = { ...(alert.labels as object), instance: '<@U0EVIL>' };
    alert.annotations = { summary: EVIL, description: `desc ${EVIL}` };
    firing.commonAnnotations = { summary: EVIL };
    expect((await postAlerts(t.url, firing, { token: TOKEN })).status).toBe(200);

    const root = await eventually(() => roots(t.slack)[0], 20_000);
    const rootText = root.text ?? '';
    expect(rootText).toContain('&lt;!channel&gt;');
    expect(liveTokens(rootText)).toEqual([]);
    const blocks = JSON.stringify(root.blocks);
    expect(blocks).toContain('https://127.0.0.1:9'.replace('https', 'http'));
    expect(blocks).toContain('https://grafana.example/d/laojun');

    const resolved: Record<string, unknown> = alertGroup('EvilText', 1, 'resolved');
    resolved.externalURL = '';
    const r = (resolved.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    r.labels = { ...(r.labels as object), instance: '<@U0EVIL>' };
    r.annotations = { summary: EVIL };
    resolved.commonAnnotations = { summary: EVIL };
    expect((await postAlerts(t.url, resolved, { token: TOKEN })).status).toBe(200);

    await eventually(() => (roots(t.slack)[0]?.edits ?? 0) > 0 || undefined, 20_000);
    const report = await eventually(
      () => replies(t.slack, root).find((m) => JSON.stringify(m.blocks ?? []).includes('```')),
      20_000,
    );
    expect(JSON.stringify(report.blocks)).toContain('&lt;@U0EVIL&gt;');

    const all = traffic(t);
    for (const secret of ['am-hunter2-pass', 'amuser', 'gf-hunter2-pass', 'gfuser']) {
      expect(all).not.toContain(secret);
    }
    expect(liveTokens(all)).toEqual([]);
  }, 60_000);
});
