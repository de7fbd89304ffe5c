import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const CONFIG = `
permissions:
  channels: [C0OPS]
  admins: [U0ADMIN]
  rateLimit: { points: 4, durationSeconds: 60 }
`;

describe('permissions, rate limit and audit from Slack', () => {
  let t: TestBot;
  const ack = async (fields: { command: string; text?: string; user_id: string; channel_id?: string }) => {
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ channel_id: 'C0OPS', ...fields, response_url: responseUrl }),
    );
    expect(res.status).toBe(200);
    return { body: JSON.parse(res.body) as { text: string; blocks?: unknown[] }, responseUrl };
  };
  const jobs = async () => {
    const counts = await t.bot.deps.queues.queue('commands').getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'laojun-perm-'));
    writeFileSync(join(dir, 'config.yml'), CONFIG);
    t = await startTestBot({ CONFIG_FILE: join(dir, 'config.yml') });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses /audit to a non-admin, naming the permission and who grants it, and runs nothing', async () => {
    const before = await jobs();
    const { body } = await ack({ command: '/audit', user_id: 'U0ALICE' });
    expect(body.text).toContain('`audit`');
    expect(body.text).toContain('<@U0ADMIN>');
    expect(await jobs()).toBe(before);
  });

  it('refuses commands outside the ops channels', async () => {
    const { body } = await ack({ command: '/status', user_id: 'U0ALICE', channel_id: 'C0RANDOM' });
    expect(body.text).toContain('此频道不允许执行机器人命令');
  });

  it('lists in help only the commands the user may run', async () => {
    const alice = await ack({ command: '/status', text: 'help', user_id: 'U0ALICE' });
    const admin = await ack({ command: '/status', text: 'help', user_id: 'U0ADMIN' });
    expect(JSON.stringify(alice.body.blocks)).not.toContain('/audit');
    expect(JSON.stringify(admin.body.blocks)).toContain('/audit');
  });

  it('shows the admin the audit trail, refusals included', async () => {
    const { responseUrl } = await ack({ command: '/audit', text: '--user U0ALICE', user_id: 'U0ADMIN' });
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const text = JSON.stringify(answer.body);
    expect(text).toContain('U0ALICE');
    expect(text).toContain('denied');
    expect(text).not.toContain('U0ADMIN ');
  });

  it('rate-limits one user after the configured number of calls a minute, with a clear reply', async () => {
    const replies: string[] = [];
    for (let i = 0; i < 5; i++)
      replies.push((await ack({ command: '/status', user_id: 'U0BUSY' })).body.text);
    expect(replies.slice(0, 4).every((r) => r.includes('正在执行'))).toBe(true);
    expect(replies[4]).toMatch(/操作过于频繁.*\d+ 秒后再试/);
    // Another user is not affected.
    expect((await ack({ command: '/status', user_id: 'U0CALM' })).body.text).toContain('正在执行');
  });

  it('a command refused over the limit is never queued, though checked and queued in one round trip', async () => {
    const sent: Array<{ text: string; responseUrl: string }> = [];
    for (let i = 0; i < 5; i++) {
      const { body, responseUrl } = await ack({ command: '/status', user_id: 'U0FLOOD' });
      sent.push({ text: body.text, responseUrl });
    }
    expect(sent[4]?.text).toMatch(/操作过于频繁/);
    const idOf = (url: string) => url.split('/').pop();
    const answered = (url: string) => t.slack.responses.some((r) => r.id === idOf(url));
    // The four accepted commands are answered.
    await eventually(() => expect(sent.slice(0, 4).every((s) => answered(s.responseUrl))).toBe(true), 30_000);
    const commands = t.bot.deps.queues.queue('commands');
    await eventually(
      async () =>
        expect(await commands.getJobCounts('waiting', 'active', 'delayed')).toEqual({
          waiting: 0,
          active: 0,
          delayed: 0,
        }),
      30_000,
    );
    expect(answered(sent[4]?.responseUrl ?? '')).toBe(false);
    // The refused command was never queued: four jobs for this user, not five.
    const all = await commands.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    expect(all.filter((j) => j.data.userId === 'U0FLOOD')).toHaveLength(4);
  });
});
