import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from '../fakes/slack-api.ts';

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

function client(fake: FakeSlack, token = fake.token): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
}

/** Runs `p`, expecting a rejection, and returns the error with the fields WebClient's errors carry. */
async function failure(
  p: Promise<unknown>,
): Promise<{ code: string; data?: Record<string, unknown>; retryAfter?: number; statusCode?: number }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string };
  }
  throw new Error('expected the call to fail');
}

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});
const option = (i: number, len = 5, value = `${i}`) => ({
  text: { type: 'plain_text', text: `${i}`.padEnd(len, 'o') },
  value,
});
const select = (options: unknown[], over: Record<string, unknown> = {}) => ({
  type: 'actions',
  elements: [
    {
      type: 'static_select',
      action_id: 'pick',
      placeholder: { type: 'plain_text', text: 'Pick' },
      options,
      ...over,
    },
  ],
});
const button = (over: Record<string, unknown> = {}) => ({
  type: 'button',
  text: { type: 'plain_text', text: 'Run' },
  action_id: 'run',
  ...over,
});

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let web: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack();
    web = client(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  it('serves the Web API under apiUrl with a trailing slash and checks the token', async () => {
    expect(fake.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const me = await web.auth.test();
    expect(me.ok).toBe(true);
    expect(me.user_id).toBe(fake.bot.userId);

    const bad = await failure(client(fake, 'xoxb-wrong').auth.test());
    expect(bad.code).toBe('slack_webapi_platform_error');
    expect(bad.data?.error).toBe('invalid_auth');
    expect(fake.rejected.map((c) => c.error)).toEqual(['invalid_auth']);

    const none = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await none.json()).toEqual({ ok: false, error: 'not_authed' });

    const unknown = await failure(web.apiCall('chat.frobnicate', {}));
    expect(unknown.data?.error).toBe('unknown_method');
  });

  it('accepts JSON bodies with a Bearer token and form bodies with a token field', async () => {
    const json = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${fake.token}` },
      body: JSON.stringify({ channel: 'C1', text: 'json', blocks: [section('hi')] }),
    });
    expect(((await json.json()) as { ok: boolean }).ok).toBe(true);
    const form = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: fake.token, channel: 'C1', text: 'form' }).toString(),
    });
    expect(((await form.json()) as { ok: boolean }).ok).toBe(true);
    expect(fake.channelMessages('C1').map((m) => m.text)).toEqual(['json', 'form']);
    expect(fake.messages[0]?.blocks).toEqual([section('hi')]);
    // The token is not kept in recordings.
    expect(fake.calls.every((c) => !('token' in c.body))).toBe(true);
  });

  it("keeps the attachments of Alertmanager's slack_configs payload (JSON, no text)", async () => {
    // The body Alertmanager 0.25's Slack receiver posts to api_url with http_config.authorization.
    const body = {
      channel: 'C1',
      username: 'Alertmanager',
      attachments: [{ title: '[FIRING:1] Demo', text: 'firing host-1', fallback: 'x', color: 'danger' }],
    };
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${fake.token}` },
      body: JSON.stringify(body),
    });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    expect(fake.channelMessages('C1')[0]?.attachments).toEqual(body.attachments);
    expect(fake.channelMessages('C1')[0]?.text).toBeUndefined();
  });

  it('records posts, thread replies and edits with their history', async () => {
    const top = await web.chat.postMessage({
      channel: 'C1',
      text: 'incident opened',
      blocks: [section('*firing*')],
    });
    expect(top.ok).toBe(true);
    expect(top.ts).toMatch(/^\d{10}\.\d{6}$/);
    const ts = top.ts as string;
    const reply = await web.chat.postMessage({ channel: 'C1', thread_ts: ts, text: 'diagnostics' });
    expect(Number(reply.ts)).toBeGreaterThan(Number(ts));

    await web.chat.update({ channel: 'C1', ts, text: 'incident resolved', blocks: [section('*resolved*')] });

    expect(fake.channelMessages('C1')).toHaveLength(1);
    expect(fake.threadReplies('C1', ts).map((m) => m.text)).toEqual(['diagnostics']);
    const msg = fake.channelMessages('C1')[0];
    expect(msg?.text).toBe('incident resolved');
    expect(msg?.edits).toBe(1);
    expect(msg?.history).toEqual([{ text: 'incident opened', blocks: [section('*firing*')] }]);
    expect(msg?.user).toBe(fake.bot.userId);
    // The body is recorded with blocks decoded from the form's JSON string.
    expect(fake.calls[0]?.body.blocks).toEqual([section('*firing*')]);
  });

  it('rejects what Slack rejects on chat.postMessage / chat.update / chat.delete', async () => {
    expect((await failure(web.chat.postMessage({ channel: '', text: 'x' }))).data?.error).toBe(
      'channel_not_found',
    );
    expect((await failure(web.chat.postMessage({ channel: 'C1', text: '' }))).data?.error).toBe('no_text');
    expect(
      (await failure(web.chat.postMessage({ channel: 'C1', text: 'x', thread_ts: '1.000100' }))).data?.error,
    ).toBe('thread_not_found');
    expect((await failure(web.chat.update({ channel: 'C1', ts: '1.000100', text: 'x' }))).data?.error).toBe(
      'message_not_found',
    );
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    await web.chat.delete({ channel: 'C1', ts: ts as string });
    expect(fake.channelMessages('C1')).toHaveLength(0);
    expect(fake.messages[0]?.deleted).toBe(true);
    expect(fake.messages).toHaveLength(1);
  });

  it('flags blocks without top-level text and truncates text beyond 40,000 characters', async () => {
    await web.chat.postMessage({ channel: 'C1', blocks: [section('only blocks')] });
    expect(fake.calls[0]?.ok).toBe(true);
    expect(fake.calls[0]?.warnings).toEqual(['missing_text_fallback']);

    await web.chat.postMessage({ channel: 'C2', text: 'y'.repeat(45_000) });
    expect(fake.channelMessages('C2')[0]?.text).toHaveLength(40_000);
    expect(fake.calls[1]?.warnings).toEqual(['text_truncated']);
  });

  const fields = (n: number, len = 5) =>
    Array.from({ length: n }, (_, i) => ({ type: 'mrkdwn', text: `${i}`.padEnd(len, 'f') }));
  const invalid: Array<[string, unknown[]]> = [
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
    ['a 3001-character section', [section('s'.repeat(3001))]],
    ['an empty section text', [section('')]],
    ['a section without text or fields', [{ type: 'section' }]],
    ['11 section fields', [{ type: 'section', fields: fields(11) }]],
    ['a 2001-character field', [{ type: 'section', fields: fields(1, 2001) }]],
    ['a 151-character header', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]],
    ['a mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }]],
    ['11 context elements', [{ type: 'context', elements: fields(11) }]],
    [
      '26 action elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }],
    ],
    [
      'a 76-character button text',
      [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })] }],
    ],
    ['a 256-character action_id', [{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }]],
    ['a 2001-character button value', [{ type: 'actions', elements: [button({ value: 'v'.repeat(2001) })] }]],
    [
      'a 3001-character button url',
      [section('x', { accessory: button({ url: `https://e.x/${'u'.repeat(2990)}` }) })],
    ],
    ['a 256-character block_id', [section('x', { block_id: 'b'.repeat(256) })]],
    ['a duplicate block_id', [section('a', { block_id: 'same' }), section('b', { block_id: 'same' })]],
    ['a 12,001-character markdown block', [{ type: 'markdown', text: 'm'.repeat(12_001) }]],
    ['a select with 101 options', [select(Array.from({ length: 101 }, (_, i) => option(i)))]],
    ['a select with no options', [select([])]],
    ['a 76-character option text', [select([option(1, 76)])]],
    ['a 151-character option value', [select([option(1, 5, 'v'.repeat(151))])]],
    ['a mrkdwn option in a select', [select([{ text: { type: 'mrkdwn', text: '*x*' }, value: 'x' }])]],
    [
      'a 151-character select placeholder',
      [select([option(1)], { placeholder: { type: 'plain_text', text: 'p'.repeat(151) } })],
    ],
    [
      'an overflow with 6 options',
      [
        section('x', {
          accessory: { type: 'overflow', action_id: 'o', options: [1, 2, 3, 4, 5, 6].map((i) => option(i)) },
        }),
      ],
    ],
    [
      'checkboxes with 11 options',
      [
        section('x', {
          accessory: {
            type: 'checkboxes',
            action_id: 'c',
            options: Array.from({ length: 11 }, (_, i) => option(i)),
          },
        }),
      ],
    ],
    ['an unknown block type', [{ type: 'carousel' }]],
    ['a text object of unknown type', [{ type: 'section', text: { type: 'html', text: '<b>x</b>' } }]],
  ];

  it.each(invalid)('rejects %s with invalid_blocks and posts nothing', async (_name, blocks) => {
    const err = await failure(
      web.chat.postMessage({ channel: 'C1', text: 'fallback', blocks: blocks as never }),
    );
    expect(err.data?.error).toBe('invalid_blocks');
    expect(err.data?.errors).toEqual(expect.arrayContaining([expect.stringContaining('json-pointer')]));
    expect(fake.rejected[0]?.errors?.[0]).toMatch(/\[json-pointer:\/blocks/);
    expect(fake.messages).toHaveLength(0);
  });

  it('rejects more than 13,200 characters of block text with msg_blocks_too_long', async () => {
    const tooLong = [{ type: 'markdown', text: 'm'.repeat(12_000) }, section('s'.repeat(1201))];
    const err = await failure(
      web.chat.postMessage({ channel: 'C1', text: 'fallback', blocks: tooLong as never }),
    );
    expect(err.data?.error).toBe('msg_blocks_too_long');
    expect(fake.messages).toHaveLength(0);
  });

  it('accepts payloads exactly at every limit', async () => {
    const atLimit = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('s'.repeat(3000), { block_id: 'b'.repeat(255) }),
      { type: 'section', fields: fields(10, 20) },
      { type: 'context', elements: fields(10) },
      {
        type: 'actions',
        elements: Array.from({ length: 25 }, (_, i) =>
          button({ action_id: `${i}`.padEnd(255, 'a'), text: { type: 'plain_text', text: 'b'.repeat(75) } }),
        ),
      },
      section('x', {
        accessory: button({ value: 'v'.repeat(2000), url: `https://e.x/${'u'.repeat(2988)}` }),
      }),
      { type: 'markdown', text: 'm'.repeat(4000) },
      { type: 'divider' },
      { type: 'rich_text', elements: [] },
      { type: 'image', image_url: 'https://e.x/a.png', alt_text: 'chart' },
      ...Array.from({ length: 40 }, () => ({ type: 'divider' })),
    ];
    expect(atLimit).toHaveLength(50);
    const r = await web.chat.postMessage({ channel: 'C1', text: 'fallback', blocks: atLimit as never });
    expect(r.ok).toBe(true);
    const options = Array.from({ length: 100 }, (_, i) => option(i, 75, 'v'.repeat(150)));
    const selects = [select(options, { placeholder: { type: 'plain_text', text: 'p'.repeat(150) } })];
    expect((await web.chat.postMessage({ channel: 'C1', text: 'f', blocks: selects as never })).ok).toBe(
      true,
    );
    const total = [{ type: 'markdown', text: 'm'.repeat(12_000) }, section('s'.repeat(1200))];
    expect((await web.chat.postMessage({ channel: 'C1', text: 'f', blocks: total as never })).ok).toBe(true);
  });

  it('leaves the message untouched when chat.update carries invalid blocks', async () => {
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'v1' });
    const err = await failure(
      web.chat.update({ channel: 'C1', ts: ts as string, text: 'v2', blocks: [section('s'.repeat(3001))] }),
    );
    expect(err.data?.error).toBe('invalid_blocks');
    expect(fake.messages[0]).toMatchObject({ text: 'v1', edits: 0, history: [] });
  });

  it('records ephemeral messages apart from channel messages', async () => {
    const r = await web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(r.message_ts).toBeTruthy();
    expect(fake.ephemerals).toMatchObject([{ channel: 'C1', user: 'U1', text: 'only you' }]);
    expect(fake.messages).toHaveLength(0);
    const err = await failure(
      web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x', blocks: [{ type: 'nope' }] as never }),
    );
    expect(err.data?.error).toBe('invalid_blocks');
  });

  it('answers conversations.open, usergroups.users.list and users.info', async () => {
    const dm = await web.conversations.open({ users: 'U1' });
    expect(dm.channel?.id).toMatch(/^D[A-Z0-9]+$/);
    expect((await web.conversations.open({ users: 'U1' })).channel?.id).toBe(dm.channel?.id);

    fake.setUserGroup('S1', ['U1', 'U2']);
    expect((await web.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1', 'U2']);
    expect((await failure(web.usergroups.users.list({ usergroup: 'S9' }))).data?.error).toBe(
      'no_such_subteam',
    );

    // usergroups.users.update replaces the members; Slack refuses unknown groups, empty lists, names.
    await web.usergroups.users.update({ usergroup: 'S1', users: 'U3' });
    expect((await web.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U3']);
    expect((await failure(web.usergroups.users.update({ usergroup: 'S9', users: 'U3' }))).data?.error).toBe(
      'no_such_subteam',
    );
    expect((await failure(web.usergroups.users.update({ usergroup: 'S1', users: '' }))).data?.error).toBe(
      'no_users_provided',
    );
    expect(
      (await failure(web.usergroups.users.update({ usergroup: 'S1', users: 'alice' }))).data?.error,
    ).toBe('invalid_users');
    // A DM: conversations.open with a user ID, then chat.postMessage to the D channel.
    expect((await failure(web.conversations.open({ users: 'alice' }))).data?.error).toBe('user_not_found');
    await web.chat.postMessage({ channel: dm.channel?.id as string, text: 'paged' });
    expect(fake.channelMessages(dm.channel?.id as string)).toMatchObject([{ text: 'paged' }]);

    fake.setUser('U7', { name: 'mei', tz: 'Asia/Shanghai' });
    const info = await web.users.info({ user: 'U7' });
    expect(info.user).toMatchObject({ id: 'U7', name: 'mei', tz: 'Asia/Shanghai' });
    expect((await failure(web.users.info({ user: 'nobody' }))).data?.error).toBe('user_not_found');
  });
});

describe('fake Slack rate limits', () => {
  let fake: FakeSlack;
  let clock = 1_000_000;
  beforeAll(async () => {
    const opts: FakeSlackOptions = { rateClock: () => clock, updatePerMinute: 2 };
    fake = await startFakeSlack(opts);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  it('limits chat.postMessage per channel: 429 with Retry-After for that channel only', async () => {
    const web = client(fake);
    for (let i = 0; i < 3; i++) await web.chat.postMessage({ channel: 'C1', text: `burst ${i}` });
    const err = await failure(web.chat.postMessage({ channel: 'C1', text: 'one too many' }));
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(1);
    expect(fake.rejected[0]).toMatchObject({ method: 'chat.postMessage', status: 429, error: 'ratelimited' });
    expect(fake.channelMessages('C1')).toHaveLength(3);

    // Another channel is not affected.
    expect((await web.chat.postMessage({ channel: 'C2', text: 'other channel' })).ok).toBe(true);

    // The raw answer is Slack's: HTTP 429, integer Retry-After, ok:false ratelimited.
    const raw = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${fake.token}` },
      body: JSON.stringify({ channel: 'C1', text: 'again' }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    // One second later one more message fits, at the sustained rate of 1 per second.
    clock += 1000;
    expect((await web.chat.postMessage({ channel: 'C1', text: 'after a second' })).ok).toBe(true);
    expect((await failure(web.chat.postMessage({ channel: 'C1', text: 'x' }))).code).toBe(
      'slack_webapi_rate_limited_error',
    );
    expect(fake.channelMessages('C1')).toHaveLength(4);
  });

  it('limits chat.update per workspace per minute without editing the message', async () => {
    clock += 120_000;
    const web = client(fake);
    const { ts } = await web.chat.postMessage({ channel: 'C3', text: 'v0' });
    await web.chat.update({ channel: 'C3', ts: ts as string, text: 'v1' });
    await web.chat.update({ channel: 'C3', ts: ts as string, text: 'v2' });
    const err = await failure(web.chat.update({ channel: 'C3', ts: ts as string, text: 'v3' }));
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(30);
    expect(fake.messages[0]).toMatchObject({ text: 'v2', edits: 2 });
  });
});

describe('fake Slack failure injection', () => {
  let fake: FakeSlack;
  let clock = 5_000;
  beforeAll(async () => {
    fake = await startFakeSlack({ rateClock: () => clock });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  it('injects 5xx, 429 and API errors for the next calls, creating no message', async () => {
    const web = client(fake);
    fake.failNext('chat.postMessage', { status: 503 });
    const e503 = await failure(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(e503.code).toBe('slack_webapi_http_error');
    expect(e503.statusCode).toBe(503);

    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const e429 = await failure(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(e429.code).toBe('slack_webapi_rate_limited_error');
    expect(e429.retryAfter).toBe(7);

    fake.failNext('*', { error: 'channel_not_found' }, 2);
    expect((await failure(web.auth.test())).data?.error).toBe('channel_not_found');
    expect((await failure(web.chat.postMessage({ channel: 'C1', text: 'x' }))).data?.error).toBe(
      'channel_not_found',
    );

    expect(fake.messages).toHaveLength(0);
    expect((await web.chat.postMessage({ channel: 'C1', text: 'works again' })).ok).toBe(true);
    expect(fake.rejected.map((c) => c.status)).toEqual([503, 429, 200, 200]);
  });

  it('answers a committed 5xx after the call took effect, and a 429 as it is', async () => {
    const web = client(fake);
    fake.failNext('chat.postMessage', { status: 502, committed: true }, 5);
    const e502 = await failure(web.chat.postMessage({ channel: 'C1', text: 'posted anyway' }));
    expect(e502.statusCode).toBe(502);
    expect(fake.channelMessages('C1').map((m) => m.text)).toEqual(['posted anyway']);
    expect(fake.calls.at(-1)).toMatchObject({ status: 502, ok: false, committed: true });
    // Burst of 3 per channel: the 4th post in the same second is rate-limited, not committed.
    await failure(web.chat.postMessage({ channel: 'C1', text: 'two' }));
    await failure(web.chat.postMessage({ channel: 'C1', text: 'three' }));
    const limited = await failure(web.chat.postMessage({ channel: 'C1', text: 'four' }));
    expect(limited.code).toBe('slack_webapi_rate_limited_error');
    expect(fake.channelMessages('C1')).toHaveLength(3);
  });

  it('fails every call of a method for a period with failFor', async () => {
    const web = client(fake);
    fake.failFor('chat.update', { status: 500 }, 10_000);
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'v0' });
    for (let i = 0; i < 3; i++) {
      expect(
        (await failure(web.chat.update({ channel: 'C1', ts: ts as string, text: 'v1' }))).statusCode,
      ).toBe(500);
    }
    clock += 10_001;
    expect((await web.chat.update({ channel: 'C1', ts: ts as string, text: 'v1' })).ok).toBe(true);
    expect(fake.messages[0]?.edits).toBe(1);
  });
});

describe('fake Slack response_url', () => {
  let fake: FakeSlack;
  let clock = Date.UTC(2025, 0, 1);
  beforeAll(async () => {
    fake = await startFakeSlack({ now: () => clock });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('works 5 times, then answers 404 Expired url', async () => {
    const url = fake.createResponseUrl();
    expect(url.startsWith(`${fake.baseUrl}/response/`)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const r = await post(url, { text: `update ${i}`, response_type: 'ephemeral', replace_original: i > 0 });
      expect(r.status).toBe(200);
    }
    const sixth = await post(url, { text: 'too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.text()).toBe('Expired url');
    expect(fake.responses.map((r) => r.body.text)).toEqual([0, 1, 2, 3, 4].map((i) => `update ${i}`));
    expect(fake.rejected).toMatchObject([{ method: 'response_url', status: 404, error: 'expired_url' }]);
  });

  it('expires 30 minutes after creation', async () => {
    const url = fake.createResponseUrl();
    clock += 30 * 60 * 1000;
    expect((await post(url, { text: 'just in time', response_type: 'in_channel' })).status).toBe(200);
    clock += 1;
    const late = await post(url, { text: 'too late' });
    expect(late.status).toBe(404);
    expect(fake.responses).toHaveLength(1);
    expect(fake.responses[0]?.at).toBe(clock - 1);
  });

  it('validates blocks and payloads, and answers 404 for unknown URLs', async () => {
    const url = fake.createResponseUrl();
    const bad = await post(url, { text: 'x', blocks: [section('s'.repeat(3001))] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('invalid_blocks');
    expect(fake.rejected[0]?.errors?.[0]).toContain('3001');
    expect((await post(url, { response_type: 'ephemeral' })).status).toBe(400);
    expect((await post(url, { delete_original: true })).status).toBe(200);
    expect((await post(`${fake.baseUrl}/response/nope`, { text: 'x' })).status).toBe(404);
    // Rejected posts do not use up the URL: 1 accepted, 4 left.
    for (let i = 0; i < 4; i++) expect((await post(url, { text: `${i}` })).status).toBe(200);
    expect((await post(url, { text: 'sixth use' })).status).toBe(404);
  });

  it('takes failure injection under the name response_url', async () => {
    const url = fake.createResponseUrl();
    fake.failNext('response_url', { status: 500 });
    expect((await post(url, { text: 'x' })).status).toBe(500);
    expect((await post(url, { text: 'x' })).status).toBe(200);
  });
});

describe('fake Slack file uploads', () => {
  let fake: FakeSlack;
  let web: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack();
    web = client(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  it('runs WebClient.filesUploadV2 end to end and records the bytes', async () => {
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'diagnostics follow' });
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    const r = await web.filesUploadV2({
      channel_id: 'C1',
      thread_ts: ts as string,
      file: bytes,
      filename: 'dump.bin',
      title: 'Heap dump',
      initial_comment: 'here it is',
    });
    expect(r.ok).toBe(true);
    expect(fake.uploads).toHaveLength(1);
    const up = fake.uploads[0];
    expect(up?.bytes.equals(bytes)).toBe(true);
    expect(up).toMatchObject({
      filename: 'dump.bin',
      title: 'Heap dump',
      channel: 'C1',
      thread_ts: ts,
      initial_comment: 'here it is',
      completed: true,
    });
    expect(fake.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload_url',
      'files.completeUploadExternal',
    ]);

    await web.filesUploadV2({ channel_id: 'C1', content: 'line 1\nline 2\n', filename: 'out.txt' });
    expect(fake.uploads[1]?.bytes.toString()).toBe('line 1\nline 2\n');
  });

  it('rejects the retired files.upload and broken upload flows', async () => {
    expect((await failure(web.apiCall('files.upload', { channels: 'C1', content: 'x' }))).data?.error).toBe(
      'method_deprecated',
    );
    expect(
      (await failure(web.files.completeUploadExternal({ files: [{ id: 'F404', title: 'x' }] }))).data?.error,
    ).toBe('file_not_found');
    expect(
      (await failure(web.files.getUploadURLExternal({ filename: 'a.txt', length: 0 }))).data?.error,
    ).toBe('missing_argument');

    const { upload_url, file_id } = await web.files.getUploadURLExternal({ filename: 'a.txt', length: 5 });
    const short = await fetch(upload_url as string, { method: 'POST', body: 'abc' });
    expect(short.status).toBe(400);
    // Not uploaded yet, so it cannot be completed.
    expect(
      (await failure(web.files.completeUploadExternal({ files: [{ id: file_id as string }] }))).data?.error,
    ).toBe('file_not_found');
    const ok = await fetch(upload_url as string, { method: 'POST', body: 'abcde' });
    expect(await ok.text()).toBe('OK - 5');
    const done = await web.files.completeUploadExternal({ files: [{ id: file_id as string }] });
    expect(done.ok).toBe(true);
    expect(fake.uploads[0]).toMatchObject({ completed: true, filename: 'a.txt' });
    expect(fake.uploads[0]?.channel).toBeUndefined();
  });
});
