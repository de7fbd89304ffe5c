import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import {
  CHANNEL,
  clickAction,
  configFile,
  count,
  fixture,
  freshFixture,
  postAlerts,
  replies,
  roots,
  textOf,
} from '../helpers/incidents.ts';
import { settled } from '../helpers/settled.ts';

const TOKEN = 'alert-webhook-token-0123456789';

describe('POST /alerts refuses bad input and stores nothing', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({
      ALERT_WEBHOOK_TOKEN: TOKEN,
      CONFIG_FILE: configFile('incidents:\n  maxBodyBytes: 20000\n'),
    });
  });
  afterAll(() => t.stop());

  it('answers 401, 401, 400, 400, 413 and leaves no trace', async () => {
    const good = fixture('ServiceDown-firing');
    expect((await postAlerts(t.url, good)).status).toBe(401);
    expect((await postAlerts(t.url, good, { token: 'wrong-token' })).status).toBe(401);
    const malformed = await postAlerts(t.url, undefined, {
      token: TOKEN,
      raw: '{"version": "4", "alerts": [',
    });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error).toBe('malformed_json');
    const wrong = await postAlerts(t.url, { ...good, alerts: 'nope' }, { token: TOKEN });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body).message).toContain('alerts');
    const huge = { ...good, padding: 'x'.repeat(30_000) };
    expect((await postAlerts(t.url, huge, { token: TOKEN })).status).toBe(413);

    await settled(t);
    expect(await count(t, 'alert_notifications')).toBe(0);
    expect(await count(t, 'incidents')).toBe(0);
    expect(t.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);

    // Alertmanager drops a 4xx for good: each rejection is logged with its reason, never the body.
    const rejected = t.logs
      .map((l) => JSON.parse(l) as { msg: string; status: number; error: string; reason: string })
      .filter((l) => l.msg === 'alert notification rejected');
    expect(rejected.map((l) => [l.status, l.error])).toEqual([
      [401, 'unauthorized'],
      [401, 'unauthorized'],
      [400, 'malformed_json'],
      [400, 'invalid_payload'],
      [413, 'payload_too_large'],
    ]);
    expect(rejected[3]?.reason).toContain('alerts');
    const logged = t.logs.join('\n');
    expect(logged).not.toContain('xxxxxxxxxx');
    expect(logged).not.toContain('wrong-token');
    expect(logged).not.toContain('"alerts": [');
  });

  it('a payload that can never be stored is 400 with the reason, not 503 (Alertmanager would retry it forever)', async () => {
    const good = fixture('ServiceDown-firing') as { alerts: Array<Record<string, unknown>> };
    const withAlert = (patch: Record<string, unknown>) => ({
      ...good,
      alerts: good.alerts.map((a) => ({ ...a, ...patch })),
    });
    const ancient = await postAlerts(t.url, withAlert({ startsAt: '-200000-01-01T00:00:00Z' }), {
      token: TOKEN,
    });
    expect(ancient.status).toBe(400);
    expect(JSON.parse(ancient.body).message).toMatch(/startsAt: expected an RFC 3339 timestamp between/);
    const badEnd = await postAlerts(t.url, withAlert({ endsAt: '+200000-01-01T00:00:00Z' }), {
      token: TOKEN,
    });
    expect(badEnd.status).toBe(400);
    expect(JSON.parse(badEnd.body).message).toContain('endsAt');
    // A NUL character: valid JSON, refused by PostgreSQL's jsonb whatever the retry.
    const nul = await postAlerts(
      t.url,
      withAlert({ annotations: { summary: 'bad \u0000 byte' }, fingerprint: 'nul0000000000001' }),
      { token: TOKEN },
    );
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body).error).toBe('unacceptable_payload');
    expect(await count(t, 'alert_notifications')).toBe(0);
    expect(await count(t, 'incidents')).toBe(0);
  });

  it('a newer payload with unknown fields is accepted', async () => {
    const newer = {
      ...fixture('HighErrorRate-firing'),
      notification_reason: 'first notification',
      routeLabels: {},
    };
    expect((await postAlerts(t.url, newer, { token: TOKEN })).status).toBe(200);
    await eventually(() => roots(t.slack).length === 1);
  });
});

describe('incident thread lifecycle', () => {
  let t: TestBot;
  beforeAll(async () => {
    // Evidence replies (test/e2e/incident-evidence.test.ts) are off: these count the thread's replies.
    t = await startTestBot({
      CONFIG_FILE: configFile(
        'incidents:\n  evidence: { ServiceDown: [], HighErrorRate: [], DiskSpaceHigh: [], DatabaseConnectionHigh: [] }\n',
      ),
    });
  });
  afterAll(() => t.stop());

  const started = new Date(Date.now() - 120_000);

  it('firing → one root with the checklist in its thread; duplicates add nothing; resolved → root edited in place', async () => {
    const firing = freshFixture('ServiceDown-firing', started);
    const [a, b] = await Promise.all([postAlerts(t.url, firing), postAlerts(t.url, firing)]);
    expect([a.status, b.status]).toEqual([200, 200]);

    const root = await eventually(() => roots(t.slack)[0]);
    const checklist = await eventually(() => replies(t.slack, root)[0]);
    expect(textOf(root)).toContain('ServiceDown');
    expect(textOf(root)).toContain('服务 laojun-admin-api 已停止');
    expect(textOf(root)).toContain('0/16');
    expect(textOf(root)).toContain('incident_ack');
    expect(textOf(checklist)).toContain('确认故障范围和影响');
    expect(textOf(checklist)).toContain('更新运维文档');

    // A repeat (Alertmanager's repeat_interval, or an HA peer) adds nothing.
    expect((await postAlerts(t.url, firing)).status).toBe(200);
    await settled(t);
    expect(roots(t.slack)).toHaveLength(1);
    expect(replies(t.slack, root)).toHaveLength(1);
    expect(await count(t, 'alert_notifications')).toBe(1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/laojun_alert_notifications_deduplicated_total 2/);
    expect(metrics).toMatch(/laojun_incidents_open 1/);

    // Acknowledge, tick an item, name a commander.
    expect(
      await clickAction(t, root, {
        action_id: 'incident_ack',
        block_id: 'incident:1',
        value: '1',
        type: 'button',
      }),
    ).toBe(200);
    expect(
      await clickAction(t, checklist, {
        action_id: 'incident_checklist:immediate_actions',
        block_id: 'checklist:1:immediate_actions',
        type: 'checkboxes',
        selected_options: [{ value: 'immediate_actions:0' }, { value: 'immediate_actions:1' }],
      }),
    ).toBe(200);
    await clickAction(t, root, {
      action_id: 'incident_commander',
      block_id: 'incident:1',
      type: 'users_select',
      selected_user: 'U0LEAD',
    });
    await eventually(
      () => textOf(roots(t.slack)[0]).includes('2/16') && textOf(roots(t.slack)[0]).includes('U0LEAD'),
    );
    await eventually(() => textOf(replies(t.slack, root)[0]).includes('✓ <@U0SRE>'));
    const thread = await eventually(() => {
      const r = replies(t.slack, root);
      return r.length >= 5 ? r : undefined;
    });
    const threadText = thread.map(textOf).join('\n');
    expect(threadText).toContain('<@U0SRE> 已确认');
    expect(threadText).toContain('完成：确认故障范围和影响');
    expect(threadText).toContain('<@U0LEAD> 为事件指挥');

    // Resolution: the same root turns resolved, with the duration; report posted in the thread.
    expect((await postAlerts(t.url, freshFixture('ServiceDown-resolved', started))).status).toBe(200);
    await eventually(() => textOf(roots(t.slack)[0]).includes('已恢复'));
    expect(roots(t.slack)).toHaveLength(1);
    const after = await eventually(() => {
      const r = replies(t.slack, root);
      return r.some((m) => textOf(m).includes('事件报告')) ? r : undefined;
    });
    const report = after.find((m) => textOf(m).includes('事件报告'));
    expect(textOf(report)).toContain('事后总结');
    expect(textOf(roots(t.slack)[0])).not.toContain('incident_ack');

    const row = await t.db.pool.query('SELECT status, time_to_ack_ms, time_to_resolve_ms FROM incidents');
    expect(row.rows[0].status).toBe('resolved');
    expect(row.rows[0].time_to_ack_ms).not.toBeNull();
    expect(row.rows[0].time_to_resolve_ms).not.toBeNull();
    expect(t.slack.rejected).toEqual([]);
  });

  it('a resolved group firing again within the flap window reopens the same thread', async () => {
    const again = freshFixture('ServiceDown-firing', new Date());
    expect((await postAlerts(t.url, again)).status).toBe(200);
    const root = roots(t.slack)[0];
    if (!root) throw new Error('no root');
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('重新打开')));
    await eventually(() => !textOf(roots(t.slack)[0]).includes('已恢复'));
    expect(roots(t.slack)).toHaveLength(1);
    expect(t.slack.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('resolve by hand; silencing needs the incident:silence permission', async () => {
    const payload = freshFixture('DiskSpaceHigh-firing', new Date(Date.now() - 30_000));
    expect((await postAlerts(t.url, payload)).status).toBe(200);
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('DiskSpaceHigh')));
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1];
    expect(id).toBeDefined();

    const before = t.slack.responses.length;
    await clickAction(t, root, { action_id: 'incident_silence_4h', type: 'button', value: id }, 'U0NOBODY');
    await eventually(() => t.slack.responses.length > before);
    expect(JSON.stringify(t.slack.responses.at(-1)?.body)).toContain('incident:silence');

    await clickAction(t, root, { action_id: 'incident_resolve', type: 'button', value: id }, 'U0ONCALL');
    await eventually(() => {
      const now = roots(t.slack).find((m) => m.ts === root.ts);
      return textOf(now).includes('已恢复') && textOf(now).includes('U0ONCALL');
    });
    const thread = await eventually(() => {
      const r = replies(t.slack, root);
      return r.some((m) => textOf(m).includes('事件报告')) ? r : undefined;
    });
    expect(thread.map(textOf).join('\n')).toContain('<@U0ONCALL> 手动标记事件已恢复');
    expect(thread.map(textOf).join('\n')).not.toContain('静默了');
    const row = await t.db.pool.query('SELECT status, resolved_by FROM incidents WHERE id = $1', [
      Number(id),
    ]);
    expect(row.rows[0]).toEqual({ status: 'resolved', resolved_by: 'U0ONCALL' });
  });
});
