import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFollowup, savePostmortem } from '../../src/postmortem/store.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { configFile, freshFixture, postAlerts, roots, textOf } from '../helpers/incidents.ts';

/** ServiceDown of `job`, started `minutesAgo`, firing or resolved `resolvedMinutesAgo`. */
function serviceDown(job: string, minutesAgo: number, resolvedMinutesAgo?: number) {
  const started = new Date(Date.now() - minutesAgo * 60_000);
  const ended =
    resolvedMinutesAgo === undefined ? undefined : new Date(Date.now() - resolvedMinutesAgo * 60_000);
  const p = freshFixture(ended ? 'ServiceDown-resolved' : 'ServiceDown-firing', started, ended);
  const labels = { alertname: 'ServiceDown', job, instance: `${job}:8080`, severity: 'critical' };
  p.groupKey = `{}:{alertname="ServiceDown",job="${job}"}`;
  p.groupLabels = { alertname: 'ServiceDown', job };
  p.commonLabels = labels;
  p.alerts = (p.alerts as Array<Record<string, unknown>>).map((a) => ({
    ...a,
    labels,
    fingerprint: `fp-${job}`,
  }));
  return p;
}

describe('history on the root: what the bot already knows when the same alert fires again', () => {
  let t: TestBot;
  beforeAll(async () => {
    // No flap window: a group that fires again after resolving is a new incident.
    t = await startTestBot({ CONFIG_FILE: configFile('incidents:\n  flapWindowMinutes: 0\n') });
  });
  afterAll(async () => {
    await t.stop();
  });

  const rootsOf = (job: string) => roots(t.slack).filter((m) => textOf(m).includes(`${job}:8080`));

  it('shows count, last occurrence with its thread, how it resolved and how long, root cause and open follow-ups', async () => {
    // First occurrence: 40 minutes, resolved by Alertmanager.
    await postAlerts(t.url, serviceDown('laojun-gateway', 120));
    const first = await eventually(() => rootsOf('laojun-gateway')[0]);
    expect(textOf(first)).toContain('30 天内首次发生');
    await postAlerts(t.url, serviceDown('laojun-gateway', 120, 80));
    await eventually(() => textOf(rootsOf('laojun-gateway')[0]).includes('已恢复'));
    const firstId = Number(
      (await t.db.pool.query("SELECT id FROM incidents WHERE group_key LIKE '%laojun-gateway%'")).rows[0].id,
    );
    await savePostmortem(t.db.pool, {
      incidentId: firstId,
      rootCause: 'Upstream <config> reload dropped routes',
      lessons: '',
      by: 'U0ALICE',
      at: new Date(),
    });
    const offsets = t.config.file.postmortem.followups;
    await createFollowup(
      t.db.pool,
      {
        incidentId: firstId,
        title: 'Validate routes before reload',
        owner: 'U0BOB',
        dueOn: '2099-01-01',
        by: 'U0ALICE',
        at: new Date(),
        submissionKey: 'h1',
      },
      offsets,
    );
    // An unrelated service's ServiceDown is not this alert's history.
    await postAlerts(t.url, serviceDown('laojun-admin-api', 100));
    await eventually(() => rootsOf('laojun-admin-api')[0]);
    await postAlerts(t.url, serviceDown('laojun-admin-api', 100, 90));

    // It fires again.
    await postAlerts(t.url, serviceDown('laojun-gateway', 5));
    const second = await eventually(() => rootsOf('laojun-gateway').find((m) => m.ts !== first.ts));
    const text = textOf(second);
    expect(text).toContain('共发生 1 次');
    expect(text).toContain(`事件 #${firstId}`);
    expect(text).toContain(`https://slack.com/archives/C0INCIDENT/p${first.ts.replace('.', '')}`);
    expect(text).toContain('告警自动恢复');
    expect(text).toContain('持续 40 分');
    expect(text).toContain('Upstream &lt;config&gt; reload dropped routes');
    expect(text).toContain('Validate routes before reload');
    expect(text).toContain('<@U0BOB>');
    expect(t.slack.rejected).toEqual([]);

    // The admin API's root knew only of itself.
    expect(textOf(rootsOf('laojun-admin-api')[0])).toContain('30 天内首次发生');
  });
});
