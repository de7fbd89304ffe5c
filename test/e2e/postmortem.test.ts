import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack-api.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { cli } from '../helpers/cli.ts';
import {
  CHANNEL,
  clickAction,
  freshFixture,
  postAlerts,
  replies,
  roots,
  textOf,
} from '../helpers/incidents.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';
import { submitView, values } from '../helpers/views.ts';

const isoDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('after the incident: the postmortem, lessons and follow-ups from the thread', () => {
  let t: TestBot;
  let root: FakeMessage;
  let id = '';

  beforeAll(async () => {
    t = await startTestBot();
    const started = new Date(Date.now() - 600_000);
    expect((await postAlerts(t.url, freshFixture('ServiceDown-firing', started))).status).toBe(200);
    root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')));
    id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    await clickAction(t, root, { action_id: 'incident_ack', type: 'button', value: id }, 'U0ALICE');
    await eventually(async () => (await t.db.pool.query('SELECT acked_by FROM incidents')).rows[0]?.acked_by);
    expect((await postAlerts(t.url, freshFixture('ServiceDown-resolved', started))).status).toBe(200);
  });
  afterAll(async () => {
    await t.stop();
  });

  const reportReply = () =>
    eventually(() => replies(t.slack, root).find((m) => textOf(m).includes('incident_postmortem_edit')));

  it('uploads the drafted postmortem (Markdown) to the thread at resolution and keeps it', async () => {
    const upload = await eventually(() =>
      t.slack.uploads.find((u) => u.filename === `incident-${id}-postmortem.md` && u.completed),
    );
    expect(upload.channel).toBe(CHANNEL);
    expect(upload.thread_ts).toBe(root.ts);
    const md = upload.bytes.toString('utf8');
    expect(md).toContain(`# 故障报告：事件 #${id} · ServiceDown`);
    for (const h of [
      '## 概述',
      '## 影响范围',
      '## 人员与角色',
      '## 时间线（UTC）',
      '## 证据',
      '## 指标',
      '## 根本原因',
      '## 经验教训',
      '## 预防措施（跟进事项）',
    ]) {
      expect(md).toContain(h);
    }
    expect(md).toContain('确认人: @U0ALICE');
    const stored = await t.db.pool.query('SELECT draft FROM incident_postmortems WHERE incident_id = $1', [
      id,
    ]);
    expect(stored.rows[0]?.draft).toBe(md);
    // The report reply offers the post-incident modals.
    expect(textOf(await reportReply())).toContain('incident_followup_add');
    // MTTA and MTTR went into the Prometheus histograms.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /laojun_incident_time_to_acknowledge_seconds_count\{alertname="ServiceDown",service="[^"]+"\} 1/,
    );
    expect(metrics).toMatch(
      /laojun_incident_time_to_resolve_seconds_count\{alertname="ServiceDown",service="[^"]+"\} 1/,
    );
  });

  it('takes root cause and lessons in a modal, with inline errors for an empty form', async () => {
    const report = await reportReply();
    await clickAction(
      t,
      report,
      { action_id: 'incident_postmortem_edit', type: 'button', value: id },
      'U0ALICE',
    );
    // Opened at once (the trigger lasts 3 s), then filled in with views.update.
    const view = await eventually(() =>
      t.slack.views.find((v) => v.view.callback_id === 'incident_postmortem' && v.history.length === 1),
    );
    expect(JSON.stringify(view.history[0])).toContain('正在加载');
    expect(JSON.stringify(view.view)).toContain('root_cause');
    expect(t.slack.rejected).toEqual([]);

    const empty = await submitView(t, view, values({ root_cause: { text: '  ' }, lessons: {} }), 'U0ALICE');
    expect(empty.json).toMatchObject({
      response_action: 'errors',
      errors: { root_cause: expect.any(String) },
    });
    expect(
      (
        await t.db.pool.query('SELECT count(*)::int AS n FROM incident_postmortems WHERE root_cause <> $1', [
          '',
        ])
      ).rows[0].n,
    ).toBe(0);

    const ok = await submitView(
      t,
      view,
      values({
        root_cause: { text: 'Connection pool of 10 exhausted' },
        lessons: { text: 'Alert on pool saturation' },
      }),
      'U0ALICE',
    );
    expect(ok.status).toBe(200);
    expect(ok.json?.response_action).toBeUndefined();
    await eventually(() =>
      replies(t.slack, root).some((m) => textOf(m).includes('更新了根本原因与经验教训')),
    );

    // Opening it again shows what is stored.
    await clickAction(
      t,
      report,
      { action_id: 'incident_postmortem_edit', type: 'button', value: id },
      'U0ALICE',
    );
    await eventually(
      () =>
        t.slack.views.filter((v) => v.view.callback_id === 'incident_postmortem' && v.history.length)
          .length === 2,
    );
    expect(JSON.stringify(t.slack.views.at(-1)?.view)).toContain('Connection pool of 10 exhausted');
  });

  it('records follow-ups from a modal: validation, owner, due date, once per submission, closed from a button', async () => {
    const report = await reportReply();
    await clickAction(
      t,
      report,
      { action_id: 'incident_followup_add', type: 'button', value: id },
      'U0ALICE',
    );
    const view = await eventually(() =>
      t.slack.views.find((v) => v.view.callback_id === 'incident_followup'),
    );

    const past = await submitView(
      t,
      view,
      values({ what: { text: 'Raise the pool' }, owner: { user: 'U0BOB' }, due: { date: isoDay(-2) } }),
      'U0ALICE',
    );
    expect(past.json).toMatchObject({
      response_action: 'errors',
      errors: { due: expect.stringContaining('不能早于今天') },
    });
    const blank = await submitView(
      t,
      view,
      values({ what: { text: '' }, owner: { user: 'U0BOB' }, due: { date: isoDay(3) } }),
      'U0ALICE',
    );
    expect(blank.json).toMatchObject({ response_action: 'errors', errors: { what: expect.any(String) } });

    const good = values({
      what: { text: 'Raise the pool to 100 <prod>' },
      owner: { user: 'U0BOB' },
      due: { date: isoDay(3) },
    });
    expect((await submitView(t, view, good, 'U0ALICE')).json?.response_action).toBeUndefined();
    // Slack retrying the same submission adds nothing.
    await submitView(t, view, good, 'U0ALICE');
    const rows = (await t.db.pool.query('SELECT * FROM incident_followups')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      owner: 'U0BOB',
      created_by: 'U0ALICE',
      title: 'Raise the pool to 100 <prod>',
    });

    const added = await eventually(() =>
      replies(t.slack, root).find((m) => textOf(m).includes('添加跟进事项 #')),
    );
    expect(textOf(added)).toContain('&lt;prod&gt;');
    expect(textOf(added)).toContain('<@U0BOB>');

    // /followups for the owner lists it.
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/followups', text: '', user_id: 'U0BOB', response_url: responseUrl }),
    );
    expect(res.status).toBe(200);
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(`/${r.id}`)));
    expect(JSON.stringify(answer.body)).toContain('Raise the pool to 100');

    await clickAction(
      t,
      added,
      { action_id: 'incident_followup_close', type: 'button', value: `${id}:${rows[0].id}` },
      'U0BOB',
    );
    await eventually(
      async () =>
        (await t.db.pool.query('SELECT closed_by FROM incident_followups')).rows[0]?.closed_by === 'U0BOB',
    );
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('关闭了跟进事项')));
    const audit = await t.bot.deps.audit.recent({ userId: 'U0ALICE' });
    expect(audit.map((r) => [r.command, r.outcome])).toEqual(
      expect.arrayContaining([
        ['incident:followup', 'ok'],
        ['incident:followup', 'bad_args'],
        ['incident:postmortem', 'ok'],
      ]),
    );
  });

  it('gives the report on demand: /incident report attaches the document, the CLI prints it', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/incident',
        text: `report ${id}`,
        user_id: 'U0SRE',
        channel_id: CHANNEL,
        response_url: responseUrl,
      }),
    );
    await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(`/${r.id}`)));
    const upload = await eventually(() =>
      t.slack.uploads.filter((u) => u.filename === `incident-${id}-postmortem.md` && u.completed).at(1),
    );
    expect(upload.bytes.toString('utf8')).toContain('Connection pool of 10 exhausted');

    const { code, out } = await cli(t, ['incident', 'report', id]);
    expect(code).toBe(0);
    expect(out.startsWith(`# 故障报告：事件 #${id} · ServiceDown\n`)).toBe(true);
    expect(out).toContain('Alert on pool saturation');
    expect(out).toContain('Raise the pool to 100 \\<prod\\>');

    const missing = await cli(t, ['incident', 'report', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('#999999');
  });

  it('lists the new commands in help only for those allowed (export is for admins)', async () => {
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/followups',
        text: 'help',
        user_id: 'U0SRE',
        response_url: t.slack.createResponseUrl(),
      }),
    );
    const help = res.body;
    expect(help).toContain('/followups [mine|overdue|all|');
    expect(help).toContain('/incident ');
    expect(help).toContain('/followups');
    expect(help).not.toContain('/incidents');
    // Asking for it anyway names the permission.
    const denied = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/incidents',
        text: 'export',
        user_id: 'U0SRE',
        response_url: t.slack.createResponseUrl(),
      }),
    );
    expect(denied.body).toContain('incident:export');
  });
});
