import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { settled } from '../helpers/settled.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

describe('command jobs', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ SLACK_BOT_TOKEN: undefined, LOG_LEVEL: 'debug' }, { start: false });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('fails a job with invalid data at once, without retrying it', async () => {
    await t.bot.start();
    const q = t.bot.deps.queues.queue('commands');
    // Bypass enqueue's validation to put a job Redis-side that the worker must refuse.
    const job = await q.add('run-command', { command: 'status', text: 42 }, { attempts: 5 });
    const failed = await eventually(async () =>
      (await q.getJob(job.id ?? ''))?.failedReason ? q.getJob(job.id ?? '') : undefined,
    );
    expect(failed?.failedReason).toMatch(/invalid data for job "run-command"/);
    expect(failed?.attemptsMade).toBe(1);
  });
});

describe('answers under Slack rate limits', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('defers the answer for Retry-After on a 429 and delivers it exactly once, without stalling other jobs', async () => {
    // The response_url has expired, so the answer must be posted; Slack rate-limits that channel once.
    const expired = `${t.slack.baseUrl}/response/does-not-exist`;
    t.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const started = Date.now();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: expired, channel_id: 'C0LIMITED' }),
    );
    // Meanwhile another user's command in another conversation is answered at once.
    const other = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: other, user_id: 'U0OTHER' }),
    );
    await eventually(() => t.slack.responses.find((r) => other.endsWith(r.id)));
    const posted = await eventually(() => t.slack.channelMessages('C0LIMITED')[0], 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(posted.text).toContain('太上老君平台状态');
    await settled(t);
    expect(t.slack.channelMessages('C0LIMITED')).toHaveLength(1);
    const metrics = await t.bot.deps.metrics.registry.metrics();
    expect(metrics).toContain('laojun_slack_calls_total{method="chat.postMessage",outcome="rate_limited"} 1');
  });

  it('keeps no secret a user typed in job data or the audit log', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/logs',
        text: 'laojun-admin-api password=Sup3rSecretValue',
        response_url: responseUrl,
        user_id: 'U0PASTE',
      }),
    );
    await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const jobs = await t.bot.deps.queues
      .queue('commands')
      .getJobs(['completed', 'active', 'waiting', 'delayed']);
    const data = JSON.stringify(jobs.map((j) => j.data));
    expect(data).toContain('laojun-admin-api');
    expect(data).not.toContain('Sup3rSecretValue');
    const audit = await eventually(async () => {
      const rows = await t.bot.deps.audit.recent({ userId: 'U0PASTE' });
      return rows.length ? rows : undefined;
    });
    expect(JSON.stringify(audit)).not.toContain('Sup3rSecretValue');
  });

  it('never writes a secret into its logs', async () => {
    t.bot.deps.logger.info(
      { detail: `token ${t.config.slack.botToken} and ${SIGNING_SECRET}` },
      'something happened',
    );
    const all = await eventually(
      () => t.logs.find((l) => l.includes('something happened')) && t.logs.join('\n'),
    );
    expect(all).not.toContain(SIGNING_SECRET);
    expect(all).not.toContain(String(t.config.slack.botToken));
  });
});

describe('a command whose answer could not be delivered', () => {
  it('is delivered on retry without running the command again', async () => {
    const { z } = await import('zod');
    const { defineCommand } = await import('../../src/commands/define.ts');
    let runs = 0;
    const counting = defineCommand({
      name: 'count',
      summary: { 'zh-CN': '计数', en: 'count' },
      usage: '/count',
      examples: ['/count'],
      permission: 'status',
      args: z.object({ positional: z.array(z.string()).max(0), flags: z.object({}) }),
      run: async () => {
        runs += 1;
        return { title: `run ${runs}`, summary: 'password=hunter2hunter2 in the output' };
      },
    });
    const t = await startTestBot({}, { commands: [counting] });
    try {
      t.slack.failNext('response_url', { status: 503 }, 1);
      const responseUrl = t.slack.createResponseUrl();
      await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/count', response_url: responseUrl }),
      );
      const answer = await eventually(
        () => t.slack.responses.find((r) => responseUrl.endsWith(r.id)),
        15_000,
      );
      expect(runs).toBe(1);
      expect(JSON.stringify(answer.body)).toContain('run 1');
      // What was kept in Redis for the retry is redacted.
      const jobs = await eventually(async () => {
        const done = await t.bot.deps.queues.queue('commands').getJobs(['completed']);
        return done.length > 0 ? done : undefined;
      });
      const kept = JSON.stringify(jobs.map((j) => j.data));
      expect(kept).toContain('run 1');
      expect(kept).not.toContain('hunter2hunter2');
    } finally {
      await t.stop();
    }
  });
});
