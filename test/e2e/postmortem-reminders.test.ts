import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.ts';
import { closeFollowup, createFollowup, dueAtOf } from '../../src/postmortem/store.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { configFile, freshFixture, postAlerts, roots, startReplica, textOf } from '../helpers/incidents.ts';

const isoDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('follow-up owners are reminded by DM before and after the due date, once, with two replicas', () => {
  let t: TestBot;
  let replica: Bot;
  // Both replicas read this clock: moving it brings due dates near without waiting days.
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  let incidentId = 0;

  beforeAll(async () => {
    const config = configFile(
      'postmortem:\n  followups:\n    remindBeforeSeconds: 86400\n    remindAfterSeconds: 3600\n    checkEverySeconds: 1\n',
    );
    t = await startTestBot({ CONFIG_FILE: config }, { now });
    replica = await startReplica(t, { CONFIG_FILE: config }, { now });
    await postAlerts(t.url, freshFixture('ServiceDown-firing', new Date(Date.now() - 60_000)));
    await eventually(() => roots(t.slack)[0]);
    incidentId = Number((await t.db.pool.query('SELECT id FROM incidents')).rows[0].id);
  });
  afterAll(async () => {
    await replica?.stop();
    await t.stop();
  });

  const dms = (owner: string, needle: string) =>
    t.slack.messages.filter(
      (m) => m.channel.startsWith('D') && textOf(m).includes(needle) && textOf(m).includes(owner),
    );

  it('sends the before and the after reminder exactly once each, with a Close button and the thread', async () => {
    const offsets = t.config.file.postmortem.followups;
    const add = (title: string, owner: string, dueOn: string, key: string) =>
      createFollowup(
        t.db.pool,
        { incidentId, title, owner, dueOn, by: 'U0ALICE', at: now(), submissionKey: key },
        offsets,
      );
    const f1 = (await add('Raise the connection pool', 'U0BOB', isoDay(5), 'r1')).followup;
    const f2 = (await add('Document the failover', 'U0CAROL', isoDay(9), 'r2')).followup;
    const closed = (await add('Already done', 'U0DAVE', isoDay(5), 'r3')).followup;
    await closeFollowup(t.db.pool, closed.id, 'U0DAVE', now());

    // Nothing is due yet.
    expect(dms('', `#${f1.id}`)).toHaveLength(0);

    // 1 day before f1's due moment: the "due soon" DM.
    offsetMs = dueAtOf(f1.dueOn).getTime() - 86_400_000 - Date.now() + 1_000;
    const before = await eventually(() => dms('', `跟进事项 #${f1.id} 将于`)[0], 15_000);
    expect(textOf(before)).toContain('Raise the connection pool');
    expect(textOf(before)).toContain('incident_followup_close');
    expect(textOf(before)).toContain('https://slack.com/archives/C0INCIDENT/p');

    // 1 hour after it is due: the overdue DM.
    offsetMs = dueAtOf(f1.dueOn).getTime() + 3_600_000 - Date.now() + 1_000;
    await eventually(() => dms('', `跟进事项 #${f1.id} 已于`)[0], 15_000);

    // Later scans (they sent f2's reminder meanwhile) sent none of f1's again.
    offsetMs = dueAtOf(f2.dueOn).getTime() - 86_400_000 - Date.now() + 1_000;
    await eventually(() => dms('', `跟进事项 #${f2.id} 将于`)[0], 15_000);
    expect(dms('', `跟进事项 #${f1.id} 将于`)).toHaveLength(1);
    expect(dms('', `跟进事项 #${f1.id} 已于`)).toHaveLength(1);
    expect(dms('', `#${closed.id} `)).toHaveLength(0);
    const rows = (
      await t.db.pool.query(
        'SELECT id, reminded_before_at, reminded_after_at FROM incident_followups ORDER BY id',
      )
    ).rows;
    expect(rows.map((r) => [r.reminded_before_at !== null, r.reminded_after_at !== null])).toEqual([
      [true, true],
      [true, false],
      [false, false],
    ]);
    expect(t.slack.rejected).toEqual([]);
  });
});
