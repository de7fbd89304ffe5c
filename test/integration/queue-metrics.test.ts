import { afterEach, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { CLOSED_PORT } from '../helpers/ports.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

async function scrape(t: TestBot): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.url}/metrics`);
  return { status: res.status, text: await res.text() };
}

function sample(text: string, queue: string, state: string): number | undefined {
  const m = new RegExp(`^laojun_queue_jobs\\{queue="${queue}",state="${state}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const job = (text = '') => ({
  command: 'status',
  text,
  userId: 'U0SRE',
  source: 'slack',
  receivedAt: Date.now(),
});

describe('queue depth on /metrics', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('reports waiting and delayed jobs per queue, read from Redis at scrape time', async () => {
    // A web-only bot runs no workers, so what is enqueued stays queued.
    t = await startTestBot({}, { role: 'web' });
    expect(sample((await scrape(t)).text, 'commands', 'waiting')).toBe(0);
    await t.bot.deps.queues.enqueue('run-command', job());
    await t.bot.deps.queues.enqueue('run-command', job('redis'));
    await t.bot.deps.queues.enqueue('run-command', job(), { delay: 60_000 });
    const { status, text } = await scrape(t);
    expect(status).toBe(200);
    expect(sample(text, 'commands', 'waiting')).toBe(2);
    expect(sample(text, 'commands', 'delayed')).toBe(1);
    expect(sample(text, 'incidents', 'waiting')).toBe(0);
  });

  it('keeps /metrics answering without queue series while Redis is unreachable', async () => {
    t = await startTestBot({ REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}` }, { role: 'web' });
    const { status, text } = await scrape(t);
    expect(status).toBe(200);
    expect(text).toContain('laojun_commands_total');
    expect(text).not.toMatch(/^laojun_queue_jobs\{/m);
  });

  it('a worker replica serves health and /metrics for probes and scrapes, but neither Slack nor /alerts', async () => {
    t = await startTestBot({}, { role: 'worker' });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    expect(sample((await scrape(t)).text, 'commands', 'active')).toBe(0);
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() }),
    );
    expect(res.status).toBe(404);
    const alerts = await fetch(`${t.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(alerts.status).toBe(404);
  });
});
