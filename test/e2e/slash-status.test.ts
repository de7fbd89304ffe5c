import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { commandJobCount } from '../helpers/diagnostics.ts';
import { CLOSED_PORT } from '../helpers/ports.ts';
import { postSigned, slackSignature, slashCommandBody, slashCommandFields } from '../helpers/slack-sign.ts';

/** `/status` with a service it does not know: answered with the usage line at once. */
function badArguments(t: TestBot) {
  return postSigned(
    t.url,
    SIGNING_SECRET,
    slashCommandBody({
      command: '/status',
      text: 'no-such-service',
      response_url: t.slack.createResponseUrl(),
    }),
  );
}

describe('signed slash commands through the real HTTP server', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('acknowledges /status at once and answers through response_url with valid blocks', async () => {
    const responseUrl = t.slack.createResponseUrl();
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: responseUrl }),
    );
    expect(res.status).toBe(200);
    const ack = JSON.parse(res.body);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('/status');

    const answer = await eventually(() => t.slack.responses.find((r) => r.id && responseUrl.endsWith(r.id)));
    const body = answer.body as { text: string; blocks: Array<{ type: string }> };
    expect(body.text).toContain('太上老君平台状态');
    expect(body.blocks[0]?.type).toBe('header');
    // Prometheus is not configured: every HTTP service is unknown with the reason, PostgreSQL and Redis answer.
    const all = JSON.stringify(body.blocks);
    expect(all).toContain('未配置 PROMETHEUS_URL');
    expect(all).toMatch(/postgresql\*\\n.*PostgreSQL 1\d/);
    expect(t.slack.rejected).toEqual([]);

    const audit = await eventually(async () => {
      const rows = await t.bot.deps.audit.recent({ command: 'status' });
      return rows.find((r) => r.outcome === 'ok');
    });
    expect(audit.user_id).toBe('U0SRE');
    expect(audit.job_id).toBeTruthy();
  });

  it('asks Slack who the bot is once, not on every command', async () => {
    const authTests = () => t.slack.calls.filter((c) => c.method === 'auth.test').length;
    // Earlier tests already sent commands: the answer is kept from then.
    const before = authTests();
    expect(before).toBeLessThanOrEqual(1);
    for (let i = 0; i < 5; i++) expect((await badArguments(t)).status).toBe(200);
    expect(authTests()).toBe(Math.max(before, 1));
  });

  it('refuses a wrong signature with 401 and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    const body = slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() });
    const res = await postSigned(t.url, 'not-the-secret', body);
    expect(res.status).toBe(401);
    expect(await commandJobCount(t)).toBe(before);
  });

  it('refuses a timestamp older than five minutes with 401 and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    const body = slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() });
    const res = await postSigned(t.url, SIGNING_SECRET, body, {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(res.status).toBe(401);
    expect(await commandJobCount(t)).toBe(before);
  });

  it('refuses a request without signature headers with 401, saying which header', async () => {
    const before = await commandJobCount(t);
    const body = slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() });
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_timestamp' });
    expect(await commandJobCount(t)).toBe(before);
  });

  it("answers Slack's unsigned ssl_check with 200 and runs nothing smuggled in with it", async () => {
    const before = await commandJobCount(t);
    // An unsigned body: the probe's field, and a slash command riding along as `payload` (Bolt
    // dispatches a form's `payload` field as the request itself).
    const command = slashCommandFields({ command: '/status', response_url: t.slack.createResponseUrl() });
    const smuggled = new URLSearchParams({ ssl_check: '1', payload: JSON.stringify(command) }).toString();
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: smuggled,
    });
    expect(res.status).toBe(200);
    // A signed command right after it is queued: the smuggled one would have been queued first.
    const signed = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() }),
    );
    expect(signed.status).toBe(200);
    expect(await commandJobCount(t)).toBe(before + 1);
  });

  it('answers bad arguments with the usage line, ephemeral, and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    const res = await badArguments(t);
    expect(res.status).toBe(200);
    const ack = JSON.parse(res.body);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('用法：/status [service]');
    expect(ack.text).toContain('no-such-service');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('answers /status help from the generated help without a job', async () => {
    const before = await commandJobCount(t);
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', text: 'help', response_url: t.slack.createResponseUrl() }),
    );
    const ack = JSON.parse(res.body);
    expect(JSON.stringify(ack.blocks)).toContain('/status laojun-admin-api');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('falls back to chat.postMessage when the response_url is used up', async () => {
    const responseUrl = t.slack.createResponseUrl();
    for (let i = 0; i < 5; i++) {
      const r = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `use ${i}` }),
      });
      expect(r.status).toBe(200);
    }
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: responseUrl, channel_id: 'C0FALLBACK' }),
    );
    const posted = await eventually(() => t.slack.channelMessages('C0FALLBACK')[0]);
    expect(posted.text).toContain('太上老君平台状态');
  });

  it('never fetches a response_url outside Slack: the answer is posted in the channel instead', async () => {
    const hits: string[] = [];
    const elsewhere = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const port = (elsewhere.address() as AddressInfo).port;
      await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({
          command: '/status',
          response_url: `http://127.0.0.1:${port}/commands/T0/1/steal`,
          channel_id: 'C0ELSEWHERE',
        }),
      );
      const posted = await eventually(() => t.slack.channelMessages('C0ELSEWHERE')[0]);
      expect(posted.text).toContain('太上老君平台状态');
      expect(hits).toEqual([]);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('refuses a body Slack never sends, saying why, and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    const wrongType = await postSigned(t.url, SIGNING_SECRET, 'command=/status', {
      contentType: 'text/plain',
    });
    expect(wrongType.status).toBe(415);
    expect(JSON.parse(wrongType.body).message).toContain('application/x-www-form-urlencoded');
    const big = `command=%2Fstatus&text=${'a'.repeat(1_100_000)}`;
    const tooBig = await postSigned(t.url, SIGNING_SECRET, big);
    expect(tooBig.status).toBe(413);
    expect(await commandJobCount(t)).toBe(before);
    // Counted like any request; a GET there is not Slack's and gets the bot's 404.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/slack\/events",status="415"\} 1\n/);
    const get = await fetch(`${t.url}/slack/events`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: string }).error).toBe('not_found');
  });

  it('refuses a chunked body over 1 MiB (no Content-Length) and a timestamp from the future', async () => {
    const before = await commandJobCount(t);
    // Correctly signed, 2 MB, sent chunked: only counting the bytes can refuse it.
    const big = `${slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() })}&padding=${'a'.repeat(2_000_000)}`;
    const ts = Math.floor(Date.now() / 1000);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${t.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': slackSignature(SIGNING_SECRET, big, ts),
        },
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The server may close the connection before everything is sent.
      req.on('error', (err) =>
        err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err),
      );
      for (let i = 0; i < big.length; i += 64 * 1024) req.write(big.slice(i, i + 64 * 1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toBe('payload_too_large');

    // Signed correctly, stamped 10 minutes ahead: refused like a stale one.
    const future = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() }),
      { timestamp: Math.floor(Date.now() / 1000) + 600 },
    );
    expect(future.status).toBe(401);
    expect(JSON.parse(future.body).message).toContain('in the future');
    expect(await commandJobCount(t)).toBe(before);
  });

  it('counts a request whose client went away as no longer in flight', async () => {
    const inFlight = async () =>
      Number(/^http_requests_in_flight (\d+)/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1]);
    // Half a body, then the client gives up.
    const req = request(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000' },
    });
    req.on('error', () => {});
    req.write('command=%2Fstatus');
    await eventually(async () => ((await inFlight()) === 2 ? true : undefined));
    req.destroy();
    // Only the metrics request itself.
    await eventually(async () => ((await inFlight()) === 1 ? true : undefined));
  });

  it('serves health, readiness and its own metrics', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/slack\/events",status="200"\} \d+/);
    expect(metrics).toContain('laojun_commands_total{command="status",outcome="queued"}');
    expect(metrics).toContain('process_resident_memory_bytes');
  });
});

describe('when Redis is unavailable', () => {
  let t: TestBot;
  beforeAll(async () => {
    // Nothing listens on this port: the producer connection fails fast.
    t = await startTestBot({ REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}` }, { role: 'web' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('tells the user in the acknowledgement, well within three seconds', async () => {
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/status', response_url: t.slack.createResponseUrl() }),
    );
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3_000);
    const ack = JSON.parse(res.body);
    expect(ack.text).toContain('任务队列暂不可用');
    expect(ack.text).toMatch(/参考编号 [0-9a-f]{8}/);
  });

  it('reports not ready, naming Redis', async () => {
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, string> };
    expect(body.checks.postgres).toBe('ok');
    expect(body.checks.redis).toMatch(/unavailable/);
  });
});
