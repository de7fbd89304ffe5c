import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFollowup } from '../../src/postmortem/store.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { clickAction, configFile, freshFixture, postAlerts, roots, textOf } from '../helpers/incidents.ts';
import { submitView, values } from '../helpers/views.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const isoDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('a new follow-up goes to the issue tracker through the configured webhook', () => {
  let t: TestBot;
  let tracker: WebhookReceiver;
  beforeAll(async () => {
    tracker = await startWebhookReceiver();
    t = await startTestBot({
      CONFIG_FILE: configFile(
        `postmortem:\n  followups: { checkEverySeconds: 1 }\n  tracker:\n    url: ${tracker.url}/hooks/issues\n    token: tracker-token-123\nredact: ['pool-password-9']\n`,
      ),
    });
  });
  afterAll(async () => {
    await t.stop();
    await tracker.close();
  });

  it('posts it once accepted (retrying a failing tracker), redacted, with the incident and its thread', async () => {
    await postAlerts(t.url, freshFixture('ServiceDown-firing', new Date(Date.now() - 60_000)));
    const root = await eventually(() => roots(t.slack).find((m) => textOf(m).includes('ServiceDown')));
    const id = /事件 #(\d+)/.exec(textOf(root))?.[1] ?? '';
    tracker.setStatus(503);
    await clickAction(t, root, { action_id: 'incident_followup_add', type: 'button', value: id }, 'U0ALICE');
    const view = await eventually(() =>
      t.slack.views.find((v) => v.view.callback_id === 'incident_followup'),
    );
    const submitted = await submitView(
      t,
      view,
      values({
        what: { text: 'Rotate pool-password-9 and alert on pool use' },
        owner: { user: 'U0BOB' },
        due: { date: isoDay(14) },
      }),
      'U0ALICE',
    );
    expect(submitted.json?.response_action).toBeUndefined();

    // The tracker is down: the delivery is retried until it answers 2xx.
    await tracker.waitFor(() => true);
    tracker.setStatus(201);
    await eventually(
      async () =>
        (await t.db.pool.query('SELECT tracker_sent_at FROM incident_followups')).rows[0]?.tracker_sent_at,
      15_000,
    );
    expect(tracker.requests.length).toBeGreaterThanOrEqual(2);
    const last = tracker.requests.at(-1);
    expect(last?.path).toBe('/hooks/issues');
    expect(last?.headers.authorization).toBe('Bearer tracker-token-123');
    expect(last?.headers['idempotency-key']).toMatch(/^laojun-followup-\d+$/);
    const body = last?.json as Record<string, Record<string, unknown>>;
    expect(body.followup).toMatchObject({ owner: 'U0BOB', due_on: isoDay(14), created_by: 'U0ALICE' });
    expect(body.incident).toMatchObject({ id: Number(id), alertname: 'ServiceDown' });
    expect(String(body.incident?.thread)).toContain(`https://slack.com/archives/C0INCIDENT/p`);
    expect(last?.body).not.toContain('pool-password-9');
    // Accepted once: no more deliveries after success.
    const count = tracker.requests.length;
    const again = await t.bot.deps.queues.enqueue('followup-tracker', {
      followupId: Number(body.followup?.id),
    });
    await eventually(async () => (await again.getState()) === 'completed');
    expect(tracker.requests.length).toBe(count);
  });

  it('sends a follow-up whose tracker job was lost (stored, never enqueued) on a later pass', async () => {
    const incidentId = Number((await t.db.pool.query('SELECT id FROM incidents')).rows[0].id);
    const { followup } = await createFollowup(
      t.db.pool,
      {
        incidentId,
        title: 'Lost in a Redis flush',
        owner: 'U0CAROL',
        dueOn: isoDay(20),
        by: 'U0ALICE',
        at: new Date(Date.now() - 120_000),
        submissionKey: 'lost-1',
      },
      t.config.file.postmortem.followups,
    );
    const req = await tracker.waitFor(
      (r) => (r.json as { followup?: { id?: number } } | undefined)?.followup?.id === followup.id,
      15_000,
    );
    expect(req.body).toContain('Lost in a Redis flush');
  });
});
