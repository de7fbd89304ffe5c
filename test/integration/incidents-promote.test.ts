import { afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.ts';
import type { FakeMessage } from '../fakes/slack-api.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import {
  alertGroup,
  clickAction,
  configFile,
  postAlerts,
  replies,
  roots,
  startReplica,
  textOf,
} from '../helpers/incidents.ts';
import { settled } from '../helpers/settled.ts';

/**
 * Storm mode after two new groups; the incident channel is not an ops channel, so only the oncall
 * role (U0SRE) may act there; the promoted group's thread gets /disk as evidence.
 */
const CONFIG = `
incidents:
  storm: { maxNewIncidents: 2, windowSeconds: 60 }
  evidence:
    StormPick: [{ command: disk }]
permissions:
  channels: [C0OPS]
  roles:
    oncall:
      members: [U0SRE]
      permissions: ["incident:*"]
`;

interface Select {
  action_id: string;
  options: Array<{ text: { text: string }; value: string }>;
}

/** The storm message's select(s) and the block they are in. */
function selectOf(storm: FakeMessage | undefined): { blockId: string; selects: Select[] } | undefined {
  const block = (storm?.blocks as Array<{ type: string; block_id?: string; elements?: Select[] }>)?.find(
    (b) => b.type === 'actions',
  );
  if (!block?.block_id) return undefined;
  return { blockId: block.block_id, selects: block.elements ?? [] };
}

/** Whether a select option is the group `name`'s ("name", "name job", "name · summary"). */
const isGroup = (o: { text: { text: string } }, name: string) =>
  o.text.text === name || o.text.text.startsWith(`${name} `);

/** What Slack sends when a user picks the option of `name` in the storm message's select. */
function pick(storm: FakeMessage, name: string) {
  const found = selectOf(storm);
  const select = found?.selects.find((s) => s.options.some((o) => isGroup(o, name)));
  const option = select?.options.find((o) => isGroup(o, name));
  if (!found || !select || !option) throw new Error(`${name} is not offered in the storm message`);
  return {
    type: 'static_select',
    action_id: select.action_id,
    block_id: found.blockId,
    selected_option: option,
    placeholder: { type: 'plain_text', text: '…' },
  };
}

const stormOf = (t: TestBot) => roots(t.slack).find((m) => textOf(m).includes('告警风暴'));
const rootOf = (t: TestBot, name: string) =>
  roots(t.slack).find((m) => m.text?.includes(name) && !textOf(m).includes('告警风暴'));
const stormRow = (t: TestBot, name: string) =>
  textOf(stormOf(t))
    .split(/\\n|\n/)
    .find((l) => l.includes(`${name} · `)) ?? '';
const linkTo = (root: FakeMessage) => `https://slack.com/archives/C0INCIDENT/p${root.ts.replace('.', '')}`;

/** Sends the groups; the first two get roots, the rest land in one storm message with a select. */
async function storm(t: TestBot, names: string[], started: Date): Promise<FakeMessage> {
  for (const [i, name] of names.entries()) {
    expect((await postAlerts(t.url, alertGroup(name, 1, 'firing', started))).status).toBe(200);
    // The two calm groups' roots are out before the storm begins (a root still waiting would join it).
    if (i === 1) await eventually(() => roots(t.slack).length === 2, 20_000);
  }
  const last = names.at(-1) ?? '';
  return eventually(() => {
    const s = stormOf(t);
    return s && selectOf(s)?.selects.some((x) => x.options.some((o) => isGroup(o, last))) ? s : undefined;
  }, 30_000);
}

describe('opening a thread for a group of a storm message', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });

  it('one root with buttons, checklist and evidence; the row links to it; once only; refused without the permission; resolves in place', async () => {
    const path = configFile(CONFIG);
    const t = await startTestBot({ CONFIG_FILE: path });
    cleanups.push(() => t.stop());
    const replica: Bot = await startReplica(t, { CONFIG_FILE: path });
    cleanups.push(() => replica.stop());
    const started = new Date(Date.now() - 60_000);
    const names = ['Calm0', 'Calm1', 'StormA', 'StormPick', 'StormB'];
    const message = await storm(t, names, started);
    await eventually(() => roots(t.slack).length === 3, 20_000);
    expect(textOf(message)).toContain('为此告警组开启事件线程');
    // What a client still showing this version of the message sends (the fake edits `message` in place).
    const choice = pick(message, 'StormPick');

    // A user without incident:promote: refused, naming the permission and who grants it; nothing opens.
    const before = t.slack.responses.length;
    expect(await clickAction(t, message, choice, 'U0NOBODY')).toBe(200);
    await eventually(() => t.slack.responses.length > before);
    const refusal = JSON.stringify(t.slack.responses.at(-1)?.body);
    expect(refusal).toContain('incident:promote');
    expect(refusal).toContain('<@U0SRE>');

    // Two clicks at once, on two replicas: one thread.
    const clicks = await Promise.all([
      clickAction(t, message, choice),
      clickAction(t, message, choice, 'U0SRE', replica.url ?? ''),
    ]);
    expect(clicks).toEqual([200, 200]);
    const root = await eventually(() => rootOf(t, 'StormPick'), 30_000);
    expect(textOf(root)).toContain('incident_ack');
    expect(textOf(root)).toContain('StormPick summary');
    const checklist = await eventually(() => replies(t.slack, root)[0], 20_000);
    expect(textOf(checklist)).toContain('确认故障范围和影响');
    // Evidence, as for any new thread (incident-opened), after the checklist.
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('磁盘使用率')), 30_000);

    // The storm message: the row links to the thread, the group is no longer offered.
    await eventually(() => stormRow(t, 'StormPick').includes(linkTo(root)), 30_000);
    const edited = stormOf(t);
    expect(selectOf(edited)?.selects.flatMap((s) => s.options.map((o) => o.text.text))).toEqual([
      expect.stringContaining('StormA'),
      expect.stringContaining('StormB'),
    ]);

    // Clicking the stale message again adds nothing and says where the thread is.
    const again = t.slack.responses.length;
    expect(await clickAction(t, message, choice)).toBe(200);
    await eventually(() => t.slack.responses.length > again);
    expect(JSON.stringify(t.slack.responses.at(-1)?.body)).toContain(linkTo(root));

    // The thread works like any other: acknowledge from the root.
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    await clickAction(t, root, {
      action_id: 'incident_ack',
      block_id: `incident:${id}`,
      type: 'button',
      value: id,
    });
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('<@U0SRE> 已确认')), 20_000);

    // It resolves in place: the root turns resolved, the report lists who opened the thread.
    expect((await postAlerts(t.url, alertGroup('StormPick', 1, 'resolved', started))).status).toBe(200);
    await eventually(() => textOf(roots(t.slack).find((m) => m.ts === root.ts)).includes('已恢复'), 30_000);
    const report = await eventually(
      () => replies(t.slack, root).find((m) => textOf(m).includes('事件报告')),
      30_000,
    );
    expect(textOf(report)).toContain('<@U0SRE> 从告警风暴消息中为此告警组开启了事件线程');
    await eventually(() => stormRow(t, 'StormPick').includes('✅ StormPick'), 30_000);
    expect(stormRow(t, 'StormPick')).toContain(linkTo(root));

    await settled(t);
    // Two roots of their own, the storm message, the one promoted thread: nothing doubled.
    expect(roots(t.slack)).toHaveLength(4);
    expect(roots(t.slack).filter((m) => m.text?.includes('StormPick'))).toHaveLength(1);
    expect(replies(t.slack, root).filter((m) => textOf(m).includes('确认故障范围和影响'))).toHaveLength(1);
    const events = await t.db.pool.query(
      "SELECT actor FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.alertname = 'StormPick' AND e.kind = 'promoted'",
    );
    expect(events.rows).toEqual([{ actor: 'U0SRE' }]);
    const promotes = await t.bot.deps.audit.recent({ command: 'incident:promote' });
    expect(promotes.map((r) => [r.user_id, r.outcome]).sort()).toEqual([
      ['U0NOBODY', 'denied'],
      ['U0SRE', 'ok'],
      ['U0SRE', 'ok'],
      ['U0SRE', 'ok'],
    ]);
    expect(t.slack.rejected.filter((c) => c.status !== 429)).toEqual([]);
  }, 180_000);

  it('Slack failing, then an attempt that ends between posting and recording: still one root', async () => {
    const t = await startTestBot({ CONFIG_FILE: configFile(CONFIG) });
    cleanups.push(() => t.stop());
    const started = new Date(Date.now() - 60_000);
    const message = await storm(t, ['Calm0', 'Calm1', 'StormPick', 'StormB'], started);

    t.slack.failFor('chat.postMessage', { status: 503 }, 3_000);
    expect(await clickAction(t, message, pick(message, 'StormPick'))).toBe(200);
    const root = await eventually(() => rootOf(t, 'StormPick'), 30_000);
    await eventually(() => replies(t.slack, root).length >= 1, 20_000);
    await eventually(() => stormRow(t, 'StormPick').includes(linkTo(root)), 30_000);
    expect(t.slack.rejected.some((c) => c.status === 503)).toBe(true);

    // The state a crash right after Slack accepted the root leaves: claimed, ts never recorded.
    await t.db.pool.query("UPDATE incidents SET root_ts = NULL WHERE alertname = 'StormPick'");
    expect((await postAlerts(t.url, alertGroup('StormPick', 2, 'firing', started))).status).toBe(200);
    await eventually(() => replies(t.slack, root).some((m) => textOf(m).includes('新增告警 1 条')), 30_000);
    await settled(t);
    expect(roots(t.slack).filter((m) => m.text?.includes('StormPick'))).toHaveLength(1);
    const row = await t.db.pool.query("SELECT root_ts FROM incidents WHERE alertname = 'StormPick'");
    expect(row.rows[0].root_ts).toBe(root.ts);
    expect(stormRow(t, 'StormPick')).toContain(linkTo(root));
  }, 120_000);
});
