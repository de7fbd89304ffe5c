/**
 * Fake Slack Web API server for tests. Slack cannot be reached from here, so every test that talks to
 * Slack talks to this server instead; it enforces Slack's documented limits (Block Kit, rate limits,
 * response_url 5 uses / 30 minutes, files.uploadV2 flow) so that a payload Slack would reject fails
 * the test that sent it. See shared/reference/slack-platform.md for the rules it follows.
 *
 * Endpoints on http://127.0.0.1:PORT:
 * - `/api/<method>`      Web API (form-urlencoded, JSON or multipart; GET with query also accepted)
 * - `/response/<id>`     response_url made by `createResponseUrl()`
 * - `/upload/<fileId>`   upload_url returned by files.getUploadURLExternal (raw bytes or multipart)
 * - `/link/?ticket=…`     Socket Mode WebSocket handed out by apps.connections.open (app-level token
 *                         `appToken`); see slack-socket.ts and `fake.socket`
 *
 * Clocks: `now` (default Date.now) stamps `at`, message ts and drives the response_url 30-minute rule.
 * Rate-limit buckets and `failFor` windows use `rateClock` (default Date.now, i.e. real time), so that a
 * frozen `now` does not freeze the rate limits.
 *
 * Usage:
 *   const fake = await startFakeSlack();               // afterAll: await fake.close()
 *   const web = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 },
 *     rejectRateLimitedCalls: true });
 *   await web.chat.postMessage({ channel: 'C1', text: 'hi' });
 *   expect(fake.channelMessages('C1')).toHaveLength(1);
 *   expect(fake.rejected).toEqual([]);                  // nothing Slack would have refused
 *
 * Answers, as Slack gives them: API errors are HTTP 200 `{ok:false, error}` (Block Kit rejections add
 * `errors` and `response_metadata.messages`); rate limits are HTTP 429 + `Retry-After` +
 * `{ok:false, error:'ratelimited'}`; response_url errors are text bodies: 400 `invalid_blocks` /
 * `msg_blocks_too_long` / `no_text` / `invalid_payload`, 404 `Expired url` (used 5 times or older than
 * 30 minutes; recorded as error 'expired_url'), 404 `no_service` (unknown URL). Rejected response_url
 * posts do not count as uses. `failNext('*', ...)` / `failFor('*', ...)` also hit response_url and
 * upload_url. A 5xx injected with `committed: true` is answered after the Web API call took effect
 * (Slack posted, then its edge failed): the caller sees a plain 5xx. Legacy `attachments` (the JSON
 * Alertmanager's `slack_configs` receiver posts to chat.postMessage) are kept on the message, under
 * the same per-channel rate limit as any post. `reset()` keeps the tokens, users, user groups and
 * open Socket Mode connections.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BLOCK_LIMITS, validateBlocks } from './block-kit-rules.ts';
import { parseBody, str } from './http-body.ts';
import { TokenBucket } from './rate-limit.ts';
import { directoryHandlers } from './slack-directory.ts';
import { handleFileMethod, handleUpload, type Upstate } from './slack-files.ts';
import { historyHandlers } from './slack-history.ts';
import { handleResponseUrl, type ResponseUrlState } from './slack-response-url.ts';
import {
  type ApiResult,
  apiError,
  failureResult,
  type Handler,
  rateLimited,
  send,
  withWarnings,
} from './slack-result.ts';
import { createSocketMode } from './slack-socket.ts';
import type {
  Failure,
  FakeEphemeral,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeUpload,
  RecordedCall,
} from './slack-types.ts';
import { type FakeView, viewHandlers } from './slack-views.ts';

export type {
  EnvelopeType,
  Failure,
  FakeAck,
  FakeEnvelope,
  FakeEphemeral,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeSocketConnection,
  FakeSocketMode,
  FakeUpload,
  RecordedCall,
} from './slack-types.ts';

const WEB_METHODS = new Set([
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.delete',
  'conversations.open',
  'conversations.history',
  'conversations.replies',
  'usergroups.users.list',
  'usergroups.users.update',
  'users.info',
  'files.getUploadURLExternal',
  'files.completeUploadExternal',
  'files.upload',
  'views.open',
  'views.update',
]);

interface Injection {
  method: string;
  failure: Failure;
  remaining?: number;
  until?: number;
  /** Only calls to this channel (failNext's 4th argument). */
  channel?: string;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = opts.token ?? 'xoxb-test';
  const appToken = opts.appToken ?? 'xapp-1-A0CHATOPS-1-test';
  const now = opts.now ?? Date.now;
  const rateClock = opts.rateClock ?? Date.now;
  const postBurst = opts.postBurst ?? 3;
  const postPerSecond = opts.postPerSecond ?? 1;
  const updatePerMinute = opts.updatePerMinute ?? 50;
  const bot = { userId: 'U0LAOJUNBOT', botId: 'B0LAOJUNBOT', teamId: 'T0FAKE' };

  const calls: RecordedCall[] = [];
  const messages: FakeMessage[] = [];
  const ephemerals: FakeEphemeral[] = [];
  const responses: FakeResponse[] = [];
  const uploads: FakeUpload[] = [];
  const rejected: RecordedCall[] = [];
  const userGroups = new Map<string, string[]>();
  const users = new Map<string, Record<string, unknown>>();
  const views: FakeView[] = [];
  const triggers = new Map<string, { issuedAt: number; used: boolean }>();
  let injections: Injection[] = [];
  let postBuckets = new Map<string, TokenBucket>();
  let updateBucket = new TokenBucket(updatePerMinute, updatePerMinute / 60, rateClock);
  let lastMicros = 0;
  const files: Upstate = { pending: new Map(), uploads, nextId: 1 };
  const responseUrls: ResponseUrlState = { urls: new Map(), responses, now };
  let baseUrl = '';

  const nextTs = (): string => {
    lastMicros = Math.max(Math.floor(now()) * 1000, lastMicros + 100);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const record = (call: RecordedCall): void => {
    calls.push(call);
    if (!call.ok || call.status >= 300) rejected.push(call);
  };

  const takeFailure = (method: string, channel?: string): Failure | undefined => {
    const t = rateClock();
    injections = injections.filter(
      (i) => (i.remaining === undefined || i.remaining > 0) && (i.until ?? t + 1) > t,
    );
    const match = (i: Injection): boolean =>
      (i.method === '*' || i.method === method) && (i.channel === undefined || i.channel === channel);
    const counted = injections.find((i) => i.remaining !== undefined && match(i));
    if (counted?.remaining !== undefined) {
      counted.remaining -= 1;
      return counted.failure;
    }
    return injections.find((i) => i.until !== undefined && match(i))?.failure;
  };

  const socket = createSocketMode({
    appToken,
    appId: 'A0CHATOPS',
    botToken: token,
    now,
    record,
    baseUrl: () => baseUrl,
  });

  const findTop = (channel: string, ts: string): FakeMessage | undefined =>
    messages.find((m) => m.channel === channel && m.ts === ts && !m.thread_ts && !m.deleted);

  /** Shared text/blocks checks of chat.postMessage, chat.update and chat.postEphemeral. */
  const content = (
    b: Record<string, unknown>,
  ):
    | { text?: string; blocks?: unknown[]; attachments?: unknown[]; warnings: string[] }
    | { fail: ApiResult } => {
    if (b.blocks__unparsable !== undefined) return { fail: apiError('invalid_blocks_format') };
    if (b.attachments__unparsable !== undefined) return { fail: apiError('invalid_attachments') };
    const warnings: string[] = [];
    let blocks: unknown[] | undefined;
    if (b.blocks !== undefined) {
      const verdict = validateBlocks(b.blocks);
      if (!verdict.ok) return { fail: apiError(verdict.error, verdict.errors) };
      blocks = b.blocks as unknown[];
    }
    let text = str(b.text);
    const hasBlocks = blocks !== undefined && blocks.length > 0;
    const hasAttachments = Array.isArray(b.attachments) && b.attachments.length > 0;
    if (!text && !hasBlocks && !hasAttachments) return { fail: apiError('no_text') };
    if (!text && hasBlocks) warnings.push('missing_text_fallback');
    if (text !== undefined && text.length > BLOCK_LIMITS.messageText) {
      text = text.slice(0, BLOCK_LIMITS.messageText);
      warnings.push('text_truncated');
    }
    const out: { text?: string; blocks?: unknown[]; attachments?: unknown[]; warnings: string[] } = {
      warnings,
    };
    if (text !== undefined) out.text = text;
    if (hasBlocks) out.blocks = blocks;
    if (hasAttachments) out.attachments = b.attachments as unknown[];
    return out;
  };

  const asMessage = (m: FakeMessage): Record<string, unknown> => ({
    type: 'message',
    user: m.user,
    bot_id: bot.botId,
    ts: m.ts,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(m.text !== undefined ? { text: m.text } : { text: '' }),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
  });

  const handlers: Record<string, Handler> = {
    'chat.postMessage': (b) => {
      const channel = str(b.channel) ?? '';
      if (!channel) return apiError('channel_not_found');
      let bucket = postBuckets.get(channel);
      if (!bucket) {
        bucket = new TokenBucket(postBurst, postPerSecond, rateClock);
        postBuckets.set(channel, bucket);
      }
      const wait = bucket.take();
      if (wait > 0) return rateLimited(wait);
      const c = content(b);
      if ('fail' in c) return c.fail;
      const threadTs = str(b.thread_ts);
      if (threadTs && !findTop(channel, threadTs)) return apiError('thread_not_found');
      const m: FakeMessage = { channel, ts: nextTs(), edits: 0, history: [], user: bot.userId };
      if (threadTs) m.thread_ts = threadTs;
      if (c.text !== undefined) m.text = c.text;
      if (c.blocks) m.blocks = c.blocks;
      if (c.attachments) m.attachments = c.attachments;
      if (b.metadata !== undefined) m.metadata = b.metadata;
      messages.push(m);
      return withWarnings({ body: { ok: true, channel, ts: m.ts, message: asMessage(m) } }, c.warnings);
    },
    'chat.update': (b) => {
      const channel = str(b.channel) ?? '';
      if (!channel) return apiError('channel_not_found');
      const wait = updateBucket.take();
      if (wait > 0) return rateLimited(wait);
      const ts = str(b.ts) ?? '';
      const m = messages.find((x) => x.channel === channel && x.ts === ts && !x.deleted);
      if (!m) return apiError('message_not_found');
      const c = content(b);
      if ('fail' in c) return c.fail;
      const prev: { text?: string; blocks?: unknown[]; attachments?: unknown[] } = {};
      if (m.text !== undefined) prev.text = m.text;
      if (m.blocks) prev.blocks = m.blocks;
      if (m.attachments) prev.attachments = m.attachments;
      m.history.push(prev);
      m.edits += 1;
      if (c.text !== undefined) m.text = c.text;
      if (b.blocks !== undefined) {
        if (c.blocks) m.blocks = c.blocks;
        else delete m.blocks;
      }
      if (b.attachments !== undefined) {
        if (c.attachments) m.attachments = c.attachments;
        else delete m.attachments;
      }
      return withWarnings(
        { body: { ok: true, channel, ts, text: m.text ?? '', message: asMessage(m) } },
        c.warnings,
      );
    },
    'chat.postEphemeral': (b) => {
      const channel = str(b.channel) ?? '';
      if (!channel) return apiError('channel_not_found');
      const user = str(b.user) ?? '';
      if (!user) return apiError('user_not_in_channel');
      const c = content(b);
      if ('fail' in c) return c.fail;
      const e: FakeEphemeral = { channel, user, ts: nextTs() };
      const threadTs = str(b.thread_ts);
      if (threadTs) e.thread_ts = threadTs;
      if (c.text !== undefined) e.text = c.text;
      if (c.blocks) e.blocks = c.blocks;
      ephemerals.push(e);
      return withWarnings({ body: { ok: true, message_ts: e.ts } }, c.warnings);
    },
    'chat.delete': (b) => {
      const channel = str(b.channel) ?? '';
      if (!channel) return apiError('channel_not_found');
      const ts = str(b.ts) ?? '';
      const m = messages.find((x) => x.channel === channel && x.ts === ts && !x.deleted);
      if (!m) return apiError('message_not_found');
      m.deleted = true;
      return { body: { ok: true, channel, ts } };
    },
    ...directoryHandlers({ bot, userGroups, users }),
    ...historyHandlers(messages, asMessage),
    ...viewHandlers({ views, triggers, now }),
  };

  const finish = (
    res: ServerResponse,
    method: string,
    body: Record<string, unknown>,
    r: ApiResult,
    committed = false,
  ): void => {
    const status = r.status ?? 200;
    const ok = typeof r.body === 'string' ? status < 300 && r.error === undefined : r.body.ok === true;
    const error =
      r.error ?? (typeof r.body === 'object' && typeof r.body.error === 'string' ? r.body.error : undefined);
    const call: RecordedCall = { method, body, at: now(), status, ok };
    if (error !== undefined) call.error = error;
    if (r.warnings) call.warnings = r.warnings;
    if (committed) call.committed = true;
    const errors =
      r.errors ?? (typeof r.body === 'object' && Array.isArray(r.body.errors) ? r.body.errors : undefined);
    if (errors) call.errors = errors.map(String);
    record(call);
    send(res, r);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const [, kind, name = ''] = url.pathname.split('/');

    if (kind === 'response') {
      const f = takeFailure('response_url');
      const body = parseBody(req.headers['content-type'], raw);
      const recorded = body.kind === 'invalid' ? { unparsable: raw.toString('utf8') } : body.fields;
      if (f) return finish(res, 'response_url', recorded, failureResult(f, true));
      return finish(
        res,
        'response_url',
        recorded,
        handleResponseUrl(responseUrls, decodeURIComponent(name), body),
      );
    }
    if (kind === 'upload') {
      const f = takeFailure('upload_url');
      const body = { fileId: name, bytes: raw.length };
      if (f) return finish(res, 'upload_url', body, failureResult(f, true));
      return finish(res, 'upload_url', body, handleUpload(files, name, req.headers['content-type'], raw));
    }
    if (kind !== 'api' || !name) {
      return send(res, { status: 404, body: 'not_found' });
    }

    const method = decodeURIComponent(name);
    const parsed =
      req.method === 'GET'
        ? parseBody('application/x-www-form-urlencoded', Buffer.from(url.searchParams.toString()))
        : parseBody(req.headers['content-type'], raw);
    const fields = parsed.kind === 'invalid' ? {} : { ...parsed.fields };
    if (url.search && req.method !== 'GET') {
      for (const [k, v] of url.searchParams) fields[k] ??= v;
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    // Slack takes a token field only from form bodies/query strings, not from JSON bodies.
    const fieldToken = parsed.kind === 'json' ? undefined : str(fields.token);
    delete fields.token;

    if (method === 'apps.connections.open') {
      const f = takeFailure(method);
      if (f) return finish(res, method, fields, failureResult(f, false));
      return finish(res, method, fields, socket.open(bearer));
    }
    if (!WEB_METHODS.has(method)) return finish(res, method, fields, apiError('unknown_method'));
    const f = takeFailure(method, str(fields.channel));
    // A committed 5xx is answered after the call took effect (below).
    const committed = f !== undefined && 'status' in f && f.status !== 429 && f.committed === true;
    if (f && !committed) return finish(res, method, fields, failureResult(f, false));
    const given = bearer ?? fieldToken;
    if (!given) return finish(res, method, fields, apiError('not_authed'));
    // An app-level token opens Socket Mode connections and nothing else.
    if (given === appToken) return finish(res, method, fields, apiError('not_allowed_token_type'));
    if (given !== token) return finish(res, method, fields, apiError('invalid_auth'));
    if (parsed.kind === 'invalid') return finish(res, method, fields, apiError(parsed.error));

    const handler = handlers[method];
    const r = handler ? handler(fields) : handleFileMethod(files, method, fields, { baseUrl, findTop });
    const tookEffect = (r.status ?? 200) < 300 && typeof r.body === 'object' && r.body.ok === true;
    if (f && committed && tookEffect) return finish(res, method, fields, failureResult(f, false), true);
    return finish(res, method, fields, r);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: `fake slack crashed: ${String(err)}` });
      else res.end();
    });
  });
  server.on('upgrade', (req, sock, head) => socket.upgrade(req, sock, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    token,
    appToken,
    socket: socket.api,
    bot,
    calls,
    messages,
    ephemerals,
    responses,
    uploads,
    rejected,
    views,
    createTriggerId() {
      const id = `${Math.floor(now() / 1000)}.${randomBytes(6).toString('hex')}`;
      triggers.set(id, { issuedAt: now(), used: false });
      return id;
    },
    createResponseUrl() {
      const id = randomBytes(12).toString('hex');
      responseUrls.urls.set(id, { createdAt: now(), uses: 0 });
      return `${baseUrl}/response/${id}`;
    },
    channelMessages: (channel) => messages.filter((m) => m.channel === channel && !m.thread_ts && !m.deleted),
    postAsUser(channel, user, text, threadTs) {
      const m: FakeMessage = { channel, ts: nextTs(), edits: 0, history: [], user, text };
      if (threadTs) m.thread_ts = threadTs;
      messages.push(m);
      return m;
    },
    threadReplies: (channel, threadTs) =>
      messages.filter((m) => m.channel === channel && m.thread_ts === threadTs && !m.deleted),
    failNext(method, failure, times = 1, channel) {
      injections.push({ method, failure, remaining: times, ...(channel ? { channel } : {}) });
    },
    failFor(method, failure, ms) {
      injections.push({ method, failure, until: rateClock() + ms });
    },
    setUserGroup(groupId, userIds) {
      userGroups.set(groupId, [...userIds]);
    },
    setUser(userId, info) {
      users.set(userId, { ...info });
    },
    reset() {
      for (const list of [calls, messages, ephemerals, responses, uploads, rejected]) list.length = 0;
      views.length = 0;
      triggers.clear();
      injections = [];
      postBuckets = new Map();
      updateBucket = new TokenBucket(updatePerMinute, updatePerMinute / 60, rateClock);
      files.pending.clear();
      responseUrls.urls.clear();
      socket.reset();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        socket.close();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
