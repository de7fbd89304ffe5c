import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { clickAction, configFile, freshFixture, postAlerts, roots, textOf } from '../helpers/incidents.ts';

describe('incident buttons go through the same gate as commands and are audited', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({
      CONFIG_FILE: configFile(
        'permissions:\n  admins: [U0ADMIN]\n  rateLimit: { points: 3, durationSeconds: 60 }\n',
      ),
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('records every action with who, what and the outcome; refuses what the user may not do', async () => {
    expect(
      (await postAlerts(t.url, freshFixture('ServiceDown-firing', new Date(Date.now() - 10_000)))).status,
    ).toBe(200);
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')));
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';

    await clickAction(t, root, { action_id: 'incident_ack', type: 'button', value: id }, 'U0ALICE');
    const before = t.slack.responses.length;
    await clickAction(t, root, { action_id: 'incident_silence_1h', type: 'button', value: id }, 'U0ALICE');
    await eventually(() => t.slack.responses.length > before);
    const refusal = JSON.stringify(t.slack.responses.at(-1)?.body);
    expect(refusal).toContain('incident:silence');
    expect(refusal).toContain('<@U0ADMIN>');

    const rows = await eventually(async () => {
      const r = await t.bot.deps.audit.recent({ userId: 'U0ALICE' });
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.map((r) => [r.source, r.command, r.outcome])).toEqual(
      expect.arrayContaining([
        ['button', 'incident:ack', 'ok'],
        ['button', 'incident:silence', 'denied'],
      ]),
    );
  });

  it('answers an action it does not know instead of timing out', async () => {
    const root = roots(t.slack)[0];
    if (!root) throw new Error('no root message');
    const before = t.slack.responses.length;
    expect(
      await clickAction(t, root, { action_id: 'deploy_rollback', type: 'button', value: '1' }, 'U0BOB'),
    ).toBe(200);
    await eventually(() => t.slack.responses.length > before);
    expect(JSON.stringify(t.slack.responses.at(-1)?.body)).toContain('无法识别的操作');
    // Audited like every other action: who clicked what, refused.
    const rows = await eventually(async () => {
      const r = await t.bot.deps.audit.recent({ userId: 'U0BOB' });
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => [r.source, r.command, r.outcome])).toEqual([
      ['button', 'deploy_rollback', 'bad_args'],
    ]);
  });

  it('takes only a Slack user ID as incident commander', async () => {
    const root = roots(t.slack)[0];
    if (!root) throw new Error('no root message');
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    const before = t.slack.responses.length;
    const choose = (user: string) =>
      clickAction(
        t,
        root,
        {
          action_id: 'incident_commander',
          type: 'users_select',
          block_id: `incident:${id}`,
          selected_user: user,
        },
        'U0CAROL',
      );
    await choose('<!channel>');
    await eventually(() => t.slack.responses.length > before);
    expect(JSON.stringify(t.slack.responses.at(-1)?.body)).toContain('不是有效的 Slack 用户');
    const { rows } = await t.bot.deps.pool.query('SELECT commander FROM incidents WHERE id = $1', [id]);
    expect(rows[0]?.commander).toBeNull();
    await choose('U0DAVE');
    await eventually(async () => {
      const r = await t.bot.deps.pool.query('SELECT commander FROM incidents WHERE id = $1', [id]);
      return r.rows[0]?.commander === 'U0DAVE';
    });
  });

  it('rate-limits a user clicking too fast, shared with commands', async () => {
    const root = roots(t.slack)[0];
    if (!root) throw new Error('no root message');
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    for (let i = 0; i < 4; i++) {
      await clickAction(t, root, { action_id: 'incident_ack', type: 'button', value: id }, 'U0FAST');
    }
    await eventually(async () =>
      (await t.bot.deps.audit.recent({ userId: 'U0FAST' })).some((r) => r.outcome === 'rate_limited'),
    );
  });
});

describe('a refused button in the incident channel', () => {
  let t: TestBot;
  beforeAll(async () => {
    // Commands are restricted to C0OPS; the incident channel is not one of them.
    t = await startTestBot({
      CONFIG_FILE: configFile('permissions:\n  admins: [U0ADMIN]\n  channels: [C0OPS]\n'),
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('says who grants the permission, not "use an ops channel" (the button cannot move)', async () => {
    expect(
      (await postAlerts(t.url, freshFixture('ServiceDown-firing', new Date(Date.now() - 10_000)))).status,
    ).toBe(200);
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')));
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    const before = t.slack.responses.length;
    await clickAction(t, root, { action_id: 'incident_ack', type: 'button', value: id }, 'U0ALICE');
    await eventually(() => t.slack.responses.length > before);
    const refusal = JSON.stringify(t.slack.responses.at(-1)?.body);
    expect(refusal).toContain('incident:ack');
    expect(refusal).toContain('<@U0ADMIN>');
    expect(refusal).toContain('permissions.channels');
    expect(refusal).not.toContain('运维频道中使用');
  });
});
