import { afterEach, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.ts';

const PASSWORD = 'board-password-0123';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Bull Board at /admin/queues', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('is absent (404) when BULL_BOARD_PASSWORD is not set', async () => {
    t = await startTestBot();
    expect((await fetch(`${t.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${t.url}/admin/queues/api/queues`)).status).toBe(404);
  });

  it('asks for credentials (401), refuses wrong ones, and shows the queues read-only with the right ones', async () => {
    t = await startTestBot({ BULL_BOARD_PASSWORD: PASSWORD }, { role: 'web' });
    const none = await fetch(`${t.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${t.url}/admin/queues`, {
      headers: { authorization: basic('admin', 'nope') },
    });
    expect(wrong.status).toBe(401);
    const wrongUser = await fetch(`${t.url}/admin/queues`, {
      headers: { authorization: basic('root', PASSWORD) },
    });
    expect(wrongUser.status).toBe(401);

    const auth = { authorization: basic('admin', PASSWORD) };
    const page = await fetch(`${t.url}/admin/queues`, { headers: auth });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    // A job waiting (web-only bot: no worker) is listed, and the queues are read-only.
    await t.bot.deps.queues.enqueue('run-command', {
      command: 'status',
      text: '',
      userId: 'U0SRE',
      source: 'slack',
      receivedAt: Date.now(),
    });
    const api = await fetch(`${t.url}/admin/queues/api/queues?activeQueue=commands&status=waiting`, {
      headers: auth,
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      queues: Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number> }>;
    };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['commands', 'incidents', 'maintenance']);
    const commands = body.queues.find((q) => q.name === 'commands');
    expect(commands?.readOnlyMode).toBe(true);
    expect(commands?.counts.waiting).toBe(1);

    // Read-only: actions are refused and change nothing.
    const clean = await fetch(`${t.url}/admin/queues/api/queues/commands/clean/waiting`, {
      method: 'PUT',
      headers: auth,
    });
    expect(clean.status).toBe(405);
    expect((await t.bot.deps.queues.queue('commands').getJobCounts('waiting')).waiting).toBe(1);
  });

  it("never shows a job's response_url (it lets whoever has it post into the channel)", async () => {
    t = await startTestBot({ BULL_BOARD_PASSWORD: PASSWORD }, { role: 'web' });
    const secretUrl = 'https://hooks.slack.com/commands/T0LAOJUN/123/s3cr3t-response-path';
    await t.bot.deps.queues.enqueue('run-command', {
      command: 'status',
      text: '',
      userId: 'U0SRE',
      source: 'slack',
      responseUrl: secretUrl,
      receivedAt: Date.now(),
    });
    const auth = { authorization: basic('admin', PASSWORD) };
    const list = await fetch(`${t.url}/admin/queues/api/queues?activeQueue=commands&status=waiting`, {
      headers: auth,
    });
    const text = await list.text();
    expect(text).toContain('U0SRE');
    expect(text).toContain('[hidden]');
    expect(text).not.toContain('s3cr3t-response-path');
    const [job] = await t.bot.deps.queues.queue('commands').getJobs(['waiting']);
    const one = await fetch(`${t.url}/admin/queues/api/queues/commands/${job?.id}`, { headers: auth });
    expect(one.status).toBe(200);
    expect(await one.text()).not.toContain('s3cr3t-response-path');
    // The job itself keeps it.
    expect((job?.data as { responseUrl?: string } | undefined)?.responseUrl).toBe(secretUrl);
  });

  it('throttles failed logins: after 10 wrong passwords even the right one waits', async () => {
    t = await startTestBot({ BULL_BOARD_PASSWORD: PASSWORD }, { role: 'web' });
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${t.url}/admin/queues`, {
        headers: { authorization: basic('admin', `guess-${i}`) },
      });
      expect(r.status).toBe(401);
    }
    const blocked = await fetch(`${t.url}/admin/queues`, {
      headers: { authorization: basic('admin', PASSWORD) },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('allows actions only when BULL_BOARD_READ_ONLY=false', async () => {
    t = await startTestBot({ BULL_BOARD_PASSWORD: PASSWORD, BULL_BOARD_READ_ONLY: 'false' }, { role: 'web' });
    const api = await fetch(`${t.url}/admin/queues/api/queues`, {
      headers: { authorization: basic('admin', PASSWORD) },
    });
    const body = (await api.json()) as { queues: Array<{ readOnlyMode: boolean }> };
    expect(body.queues.every((q) => q.readOnlyMode === false)).toBe(true);
  });
});
