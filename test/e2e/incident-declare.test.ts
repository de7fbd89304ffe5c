import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeView } from '../fakes/slack-views.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { cli as runCli } from '../helpers/cli.ts';
import { CHANNEL, clickAction, configFile, replies, roots, textOf } from '../helpers/incidents.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';
import { type SubmittedValues, submitView } from '../helpers/views.ts';

const PRIMARY = 'U0PRIMARY';
const SECONDARY = 'U0SECOND';
const STAKEHOLDERS = 'C0STAKE';

/** Critical pages the secondary after 2 s; warning only after an hour. */
function yaml(): string {
  const today = DateTime.now().setZone('Asia/Shanghai').toISODate();
  return `permissions:
  admins: [U0SRE]
  channels: [C0OPS, C0INCIDENT, C0SUPPORT]
  roles:
    viewers: { members: [U0VIEWER], permissions: ["incident:report"] }
incidents:
  stakeholderChannel: ${STAKEHOLDERS}
  sweepEverySeconds: 5
  updateReminder: { minutes: 0.1, severities: [SEV1] }
oncall:
  tickSeconds: 0.2
  reminders: { enabled: false }
  schedules:
    - name: platform
      timeZone: Asia/Shanghai
      covers: { service: [laojun-gateway, laojun-admin-api] }
      layers:
        - users: [${PRIMARY}, ${SECONDARY}]
          rotation: 1w
          handoff: "00:00"
          start: ${today}
  policies:
    critical:
      - { after: 0s, notify: primary }
      - { after: 2s, notify: secondary }
    warning:
      - { after: 0s, notify: primary }
      - { after: 1h, notify: secondary }
`;
}

/** The `laojun` CLI against the bot's schema, with the bot's incident channel (as deployed). */
const cli = (t: TestBot, argv: string[]) =>
  runCli(t, argv, { SLACK_INCIDENT_CHANNEL: CHANNEL, USER: 'U0CLIUSER' });

/** view.state.values for the declare modal. */
function declareValues(title: string, severity: string, service?: string): SubmittedValues {
  return {
    title: { value: { type: 'plain_text_input', value: title } },
    severity: {
      value: { type: 'static_select', selected_option: { value: severity } } as never,
    },
    ...(service
      ? { service: { value: { type: 'static_select', selected_option: { value: service } } as never } }
      : {}),
  };
}

async function slash(t: TestBot, text: string, user = 'U0SRE') {
  const res = await postSigned(
    t.url,
    SIGNING_SECRET,
    slashCommandBody({
      command: '/incident',
      text,
      user_id: user,
      channel_id: 'C0OPS',
      response_url: t.slack.createResponseUrl(),
      trigger_id: t.slack.createTriggerId(),
    }),
  );
  return res;
}

describe('running an incident from Slack: declare, severity, roles, status updates', () => {
  let t: TestBot;

  beforeAll(async () => {
    t = await startTestBot({ CONFIG_FILE: configFile(yaml()) });
  });
  afterAll(async () => {
    await t.stop();
  });

  const rootOf = (title: string) =>
    eventually(() => roots(t.slack).find((m) => textOf(m).includes(title)), 25_000);
  const incidentId = async (title: string) => {
    const r = await t.db.pool.query('SELECT id FROM incidents WHERE alertname = $1', [title]);
    return Number(r.rows[0]?.id);
  };

  it('/incident <title> --severity --service declares an incident with root, checklist, evidence and paging', async () => {
    const res = await slash(t, '网关大量 502 --severity SEV2 --service laojun-gateway');
    expect(res.status).toBe(200);
    const root = await rootOf('网关大量 502');
    const text = textOf(root);
    expect(text).toContain('SEV2');
    expect(text).toContain('incident_severity');
    expect(text).toContain('incident_comms_lead');
    expect(text).toContain('incident_update');
    // No alert group to silence.
    expect(text).not.toContain('incident_silence_1h');
    const thread = () => replies(t.slack, root).map(textOf).join('\n');
    // Declared-by reply, the checklist, evidence for the service, and the on-call page.
    await eventually(() => thread().includes('宣布了事件') && thread().includes('故障处理清单'));
    await eventually(
      async () =>
        (
          await t.db.pool.query(
            "SELECT count(*)::int AS n FROM incident_events WHERE kind = 'command' AND data->>'command' = 'status'",
          )
        ).rows[0].n > 0,
      20_000,
    );
    await eventually(() => thread().includes(PRIMARY), 30_000);
    const row = (
      await t.db.pool.query(
        "SELECT sev, declared_by, severity FROM incidents WHERE alertname = '网关大量 502'",
      )
    ).rows[0];
    expect(row).toMatchObject({ sev: 2, declared_by: 'U0SRE', severity: 'error' });
    // The person got an ephemeral answer naming the incident.
    await eventually(() => t.slack.responses.some((r) => JSON.stringify(r).includes('已宣布事件')));
    const audit = await t.db.pool.query(
      "SELECT outcome FROM command_audit WHERE command = 'incident' AND arguments LIKE '网关大量%'",
    );
    expect(audit.rows.map((r) => r.outcome)).toContain('ok');
  });

  it('/incident alone opens a modal; bad input is answered inline; a valid one declares once', async () => {
    const res = await slash(t, '');
    expect(res.status).toBe(200);
    const view: FakeView = await eventually(() =>
      t.slack.views.find((v) => v.view.callback_id === 'incident_declare'),
    );
    expect(t.slack.rejected).toEqual([]);
    const bad = await submitView(t, view, declareValues('  ', 'SEV1', 'laojun-nope'));
    expect(bad.json).toMatchObject({
      response_action: 'errors',
      errors: { title: expect.any(String), service: expect.stringContaining('laojun-nope') },
    });
    const ok = await submitView(t, view, declareValues('登录失败率升高', 'SEV3', 'laojun-admin-api'));
    expect(ok.json?.response_action).toBeUndefined();
    // Slack retries a submission whose answer it did not get: still one incident.
    await submitView(t, view, declareValues('登录失败率升高', 'SEV3', 'laojun-admin-api'));
    await rootOf('登录失败率升高');
    const n = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM incidents WHERE alertname = '登录失败率升高'",
    );
    expect(n.rows[0].n).toBe(1);
  });

  it('the "Declare incident" message shortcut quotes the message in the new thread', async () => {
    const payload = {
      type: 'message_action',
      callback_id: 'incident_declare_message',
      trigger_id: t.slack.createTriggerId(),
      response_url: t.slack.createResponseUrl(),
      team: { id: 'T0LAOJUN', domain: 'laojun' },
      channel: { id: 'C0SUPPORT', name: 'support' },
      user: { id: 'U0SRE', username: 'sre', name: 'sre', team_id: 'T0LAOJUN' },
      message_ts: '1732500000.000100',
      action_ts: String(Date.now() / 1000),
      message: {
        type: 'message',
        user: 'U0CUSTOMER',
        ts: '1732500000.000100',
        text: '插件市场打不开\n一直转圈',
      },
      token: 'deprecated',
      api_app_id: 'A0CHATOPS',
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    expect((await postSigned(t.url, SIGNING_SECRET, body)).status).toBe(200);
    const view: FakeView = await eventually(() =>
      t.slack.views.find(
        (v) =>
          v.view.callback_id === 'incident_declare' && String(v.view.private_metadata).includes('C0SUPPORT'),
      ),
    );
    // The first line is offered as the title.
    expect(JSON.stringify(view.view)).toContain('插件市场打不开');
    await submitView(t, view, declareValues('插件市场打不开', 'SEV2', 'laojun-gateway'));
    const root = await rootOf('插件市场打不开');
    const quote = await eventually(() =>
      replies(t.slack, root).find(
        (m) => textOf(m).includes('&gt; 一直转圈') || textOf(m).includes('> 一直转圈'),
      ),
    );
    expect(textOf(quote)).toContain('U0CUSTOMER');
  });

  it('severity changes from the root select: shown, in the timeline, and escalation re-planned', async () => {
    await slash(t, '配置中心推送失败 --severity SEV3 --service laojun-admin-api');
    const root = await rootOf('配置中心推送失败');
    const id = await incidentId('配置中心推送失败');
    // SEV3 (warning policy): the secondary is due only in an hour.
    await eventually(async () => {
      const r = await t.db.pool.query(
        "SELECT count(*)::int AS n FROM oncall_pages WHERE incident_id = $1 AND kind = 'step'",
        [id],
      );
      return r.rows[0].n === 2;
    });
    await clickAction(t, root, {
      action_id: 'incident_severity',
      type: 'static_select',
      block_id: `incident_roles:${id}`,
      selected_option: { value: `${id}:SEV1` },
    });
    await eventually(
      () => replies(t.slack, root).some((m) => textOf(m).includes('SEV3 调整为 SEV1')),
      30_000,
    );
    await eventually(() => {
      const latest = roots(t.slack).find((m) => m.ts === root.ts);
      return latest && textOf(latest).includes('🔴 SEV1');
    });
    // SEV1 (critical policy): the secondary is paged within seconds, not an hour.
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes(SECONDARY)), 30_000);
    const cancelled = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM oncall_pages WHERE incident_id = $1 AND cancel_reason = 'severity changed'",
      [id],
    );
    expect(cancelled.rows[0].n).toBeGreaterThan(0);
  });

  it('assigns a communications lead from the root; shown and in the timeline', async () => {
    const root = await rootOf('配置中心推送失败');
    const id = await incidentId('配置中心推送失败');
    await clickAction(t, root, {
      action_id: 'incident_comms_lead',
      type: 'users_select',
      block_id: `incident_roles:${id}`,
      selected_user: 'U0COMMS',
    });
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('为沟通负责人')));
    await eventually(() => {
      const latest = roots(t.slack).find((m) => m.ts === root.ts);
      return latest && textOf(latest).includes('沟通负责人') && textOf(latest).includes('U0COMMS');
    });
  });

  it('a status update goes to the thread and to ONE stakeholder message, edited in place, once under faults', async () => {
    const root = await rootOf('配置中心推送失败');
    const id = await incidentId('配置中心推送失败');
    await clickAction(
      t,
      root,
      { action_id: 'incident_update', type: 'button', value: String(id) },
      'U0COMMS',
    );
    const view: FakeView = await eventually(() =>
      t.slack.views.find((v) => v.view.callback_id === 'incident_status_update'),
    );
    const empty = await submitView(
      t,
      view,
      { update: { value: { type: 'plain_text_input', value: ' ' } } },
      'U0COMMS',
    );
    expect(empty.json).toMatchObject({ response_action: 'errors', errors: { update: expect.any(String) } });
    // Slack posts the first stakeholder message but its edge fails: the bot must not post it twice.
    t.slack.failNext('chat.postMessage', { status: 503, committed: true }, 1, STAKEHOLDERS);
    const searchesBefore = t.slack.calls.filter(
      (c) => c.method === 'conversations.history' && JSON.stringify(c).includes(STAKEHOLDERS),
    ).length;
    await submitView(
      t,
      view,
      { update: { value: { type: 'plain_text_input', value: '已定位为配置推送队列积压，正在扩容' } } },
      'U0COMMS',
    );
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('正在扩容')), 20_000);
    const stake = () => t.slack.channelMessages(STAKEHOLDERS).filter((m) => textOf(m).includes(`#${id}`));
    await eventually(() => stake().length === 1 && textOf(stake()[0]).includes('正在扩容'), 20_000);

    // The retry looked for the post Slack made before failing, and adopted it.
    expect(
      t.slack.calls.filter(
        (c) => c.method === 'conversations.history' && JSON.stringify(c).includes(STAKEHOLDERS),
      ).length,
    ).toBeGreaterThan(searchesBefore);
    // A second update (from the CLI) edits the same stakeholder message.
    const out = await cli(t, ['incident', 'update', String(id), '扩容完成，推送恢复']);
    expect(out.code).toBe(0);
    await eventually(() => stake().length === 1 && textOf(stake()[0]).includes('推送恢复'), 20_000);
    expect(stake()[0]?.edits).toBeGreaterThan(0);
    expect(stake()).toHaveLength(1);
  });

  it('reminds the communications lead of a SEV1 with no update for the configured interval', async () => {
    await slash(t, '全站不可用 --severity SEV1');
    const root = await rootOf('全站不可用');
    const id = await incidentId('全站不可用');
    await clickAction(t, root, {
      action_id: 'incident_comms_lead',
      type: 'users_select',
      block_id: `incident_roles:${id}`,
      selected_user: 'U0COMMS',
    });
    const reminder = await eventually(
      () => replies(t.slack, root).find((m) => textOf(m).includes('没有发布进展')),
      30_000,
    );
    expect(textOf(reminder)).toContain('<@U0COMMS>');
  });

  it('the CLI declares, changes severity, acknowledges and resolves, audited with source cli', async () => {
    const declared = await cli(t, ['incident', 'declare', 'CLI 演练', '--severity', 'SEV4']);
    expect(declared.code).toBe(0);
    const id = await eventually(() => incidentId('CLI 演练'));
    expect((await cli(t, ['incident', 'severity', String(id), 'SEV2'])).code).toBe(0);
    expect((await cli(t, ['incident', 'ack', String(id)])).code).toBe(0);
    expect((await cli(t, ['incident', 'resolve', String(id)])).code).toBe(0);
    const row = (await t.db.pool.query('SELECT sev, status, acked_by FROM incidents WHERE id = $1', [id]))
      .rows[0];
    expect(row).toMatchObject({ sev: 2, status: 'resolved' });
    expect(row.acked_by).toBeTruthy();
    const audit = await t.db.pool.query(
      "SELECT arguments FROM command_audit WHERE source = 'cli' AND command = 'incident' ORDER BY at",
    );
    const args = audit.rows.map((r) => String(r.arguments));
    for (const sub of ['declare', 'severity', 'ack', 'resolve'])
      expect(args.some((a) => a.startsWith(sub))).toBe(true);
    const root = await rootOf('CLI 演练');
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('事件报告')), 30_000);
    expect(CHANNEL).toBe(root.channel);
  });

  it('refuses the shortcut outside the ops channels: no modal, an answer, an audit record', async () => {
    const before = t.slack.views.length;
    const responseUrl = t.slack.createResponseUrl();
    const payload = {
      type: 'message_action',
      callback_id: 'incident_declare_message',
      trigger_id: t.slack.createTriggerId(),
      response_url: responseUrl,
      team: { id: 'T0LAOJUN', domain: 'laojun' },
      channel: { id: 'C0RANDOM', name: 'random' },
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0LAOJUN' },
      message_ts: '1732500000.000200',
      action_ts: String(Date.now() / 1000),
      message: { type: 'message', user: 'U0BOB', ts: '1732500000.000200', text: 'hi' },
      token: 'deprecated',
      api_app_id: 'A0CHATOPS',
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    expect((await postSigned(t.url, SIGNING_SECRET, body)).status).toBe(200);
    await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const audit = await eventually(async () => {
      const r = await t.db.pool.query(
        "SELECT outcome FROM command_audit WHERE user_id = 'U0ALICE' AND command = 'incident:declare'",
      );
      return r.rows[0];
    });
    expect(audit.outcome).not.toBe('ok');
    expect(t.slack.views.length).toBe(before);
  });

  it('/incident help lists only the subcommands the user may run', async () => {
    const help = async (user: string, channel: string) => {
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({
          command: '/incident',
          text: 'help',
          user_id: user,
          channel_id: channel,
          response_url: t.slack.createResponseUrl(),
        }),
      );
      return res.body;
    };
    const viewer = await help('U0VIEWER', 'D0VIEWER');
    expect(viewer).toContain('/incident report 42');
    expect(viewer).not.toContain('/incident severity 42');
    expect(viewer).not.toContain('--service laojun-gateway');
    // Bare `/incident` opens the declare modal: listed only for those who may declare.
    const bare = /\/incident(?=[`\s\\]|$)(?! [^`\n\\]*\S)/;
    expect(viewer).not.toMatch(bare);
    const sre = await help('U0SRE', 'C0OPS');
    expect(sre).toContain('/incident severity 42 SEV1');
    expect(sre).toContain('--service laojun-gateway');
    expect(sre).toMatch(bare);
  });
});
