import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { postAlerts, replies, roots, textOf } from '../helpers/incidents.ts';

const TOKEN = 'alert-webhook-token-0123456789';

/** Grafana's documented webhook body (version "1"), its alerts started a minute ago. */
function grafana(status: 'firing' | 'resolved'): Record<string, unknown> {
  const p = JSON.parse(
    readFileSync(new URL('../fixtures/grafana/webhook-v1-firing.json', import.meta.url), 'utf8'),
  );
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  p.status = status;
  p.state = status === 'firing' ? 'alerting' : 'ok';
  p.alerts = p.alerts.map((a: Record<string, unknown>) => ({
    ...a,
    status,
    startsAt,
    ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
  }));
  return p;
}

describe('Grafana-managed alerts (webhook contact point, payload version "1")', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ ALERT_WEBHOOK_TOKEN: TOKEN });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('become an incident thread like Alertmanager groups: deduplicated, then resolved in place', async () => {
    const first = await postAlerts(t.url, grafana('firing'), { token: TOKEN });
    expect(first.status).toBe(200);
    // Grafana retries and HA pairs send the same body again: one incident, one root.
    expect((await postAlerts(t.url, grafana('firing'), { token: TOKEN })).status).toBe(200);
    const root = await eventually(() => roots(t.slack)[0]);
    expect(textOf(root)).toContain('High memory usage');
    expect(textOf(root)).toContain('High CPU usage'); // both alerts of Grafana's group
    expect(textOf(root)).toContain('https://myrunbook.com/runbook/1234');
    await eventually(() => replies(t.slack, root).length > 0);
    expect(roots(t.slack)).toHaveLength(1);
    const inc = await t.db.pool.query('SELECT count(*)::int AS n FROM incidents');
    expect(inc.rows[0].n).toBe(1);

    expect((await postAlerts(t.url, grafana('resolved'), { token: TOKEN })).status).toBe(200);
    await eventually(async () => {
      const r = await t.db.pool.query("SELECT status FROM incidents WHERE status = 'resolved'");
      return r.rowCount === 1;
    });
    await eventually(() => (roots(t.slack)[0]?.edits ?? 0) > 0);
    expect(roots(t.slack)).toHaveLength(1);
    expect(t.slack.rejected).toEqual([]);
  }, 40_000);

  it('still refuses other payload versions with a message naming the field', async () => {
    const r = await postAlerts(t.url, { ...grafana('firing'), version: '3' }, { token: TOKEN });
    expect(r.status).toBe(400);
    expect(r.body).toContain('version');
  });
});
