import { ErrorCode, type WebAPICallResult, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import {
  ResponseUrlExpiredError,
  ResponseUrlRefusedError,
  SlackApiError,
  SlackRateLimitedError,
  SlackUnavailableError,
} from './errors.ts';
import type {
  MessageMetadata,
  ModalView,
  OutgoingMessage,
  PostResult,
  ResponseBody,
  SlackPort,
} from './port.ts';

export interface WebSlackOptions {
  token: string;
  apiUrl: string;
  logger: Logger;
  metrics?: Metrics;
  fetch?: typeof fetch;
  /** Per-call timeout. */
  timeoutMs?: number;
}

interface CodedError extends Error {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

/**
 * The Web API through @slack/web-api's WebClient, configured so a 429 never pauses a worker:
 * rate-limited calls are rejected at once (SlackRateLimitedError with Retry-After) and the queue
 * reschedules the job; 5xx are retried briefly, then surface as SlackUnavailableError.
 */
export class WebSlack implements SlackPort {
  readonly mode = 'web' as const;
  readonly client: WebClient;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: WebSlackOptions) {
    const clientOptions: WebClientOptions = {
      slackApiUrl: opts.apiUrl,
      rejectRateLimitedCalls: true,
      // No retries inside the client: a 5xx after Slack accepted a post would post twice. The job is
      // retried instead, and incident posts carry a marker found again in history.
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs ?? 10_000,
      logger: {
        debug: () => {},
        info: () => {},
        warn: (...m: unknown[]) => opts.logger.debug({ slack: m.join(' ') }, 'slack client warning'),
        error: (...m: unknown[]) => opts.logger.debug({ slack: m.join(' ') }, 'slack client error'),
        setLevel: () => {},
        getLevel: () => 'info' as never,
        setName: () => {},
      },
    };
    this.client = new WebClient(opts.token, clientOptions);
    this.fetchImpl = opts.fetch ?? fetch;
    this.responseOrigins = responseUrlOrigins(opts.apiUrl);
  }

  /** Origins a response_url may point to. */
  private readonly responseOrigins: ReadonlySet<string>;

  private async call<T extends WebAPICallResult>(
    method: string,
    channel: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await fn();
      this.opts.metrics?.slackCalls.inc({ method, outcome: 'ok' });
      return result;
    } catch (err) {
      const e = err as CodedError;
      if (e.code === ErrorCode.RateLimitedError) {
        this.opts.metrics?.slackCalls.inc({ method, outcome: 'rate_limited' });
        throw new SlackRateLimitedError(method, Math.max(1, e.retryAfter ?? 1) * 1_000, channel);
      }
      if (e.code === ErrorCode.PlatformError) {
        this.opts.metrics?.slackCalls.inc({ method, outcome: 'error' });
        throw new SlackApiError(method, e.data?.error ?? 'unknown_error');
      }
      this.opts.metrics?.slackCalls.inc({ method, outcome: 'unavailable' });
      throw new SlackUnavailableError(`Slack ${method} unavailable: ${e.message}`);
    }
  }

  async postMessage(
    args: OutgoingMessage & { channel: string; threadTs?: string; metadata?: MessageMetadata },
  ): Promise<PostResult> {
    const res = await this.call('chat.postMessage', args.channel, () =>
      this.client.chat.postMessage({
        channel: args.channel,
        text: args.text,
        ...(args.blocks ? { blocks: args.blocks } : {}),
        ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
        ...(args.metadata ? { metadata: args.metadata } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return { channel: res.channel ?? args.channel, ts: res.ts ?? '' };
  }

  async findPostedMessage(args: {
    channel: string;
    threadTs?: string;
    oldest: Date;
    eventType: string;
    match: Record<string, string | number | boolean>;
  }): Promise<string | null> {
    const oldest = (args.oldest.getTime() / 1000).toFixed(6);
    const common = { channel: args.channel, oldest, include_all_metadata: true, limit: 200 };
    let cursor: string | undefined;
    for (let page = 0; page < 5; page += 1) {
      const res = args.threadTs
        ? await this.call('conversations.replies', args.channel, () =>
            this.client.conversations.replies({
              ...common,
              ts: args.threadTs as string,
              ...(cursor ? { cursor } : {}),
            }),
          )
        : await this.call('conversations.history', args.channel, () =>
            this.client.conversations.history({ ...common, ...(cursor ? { cursor } : {}) }),
          );
      for (const m of (res.messages ?? []) as Array<{ ts?: string; metadata?: Partial<MessageMetadata> }>) {
        const meta = m.metadata;
        if (!m.ts || meta?.event_type !== args.eventType || !meta.event_payload) continue;
        const payload = meta.event_payload;
        if (Object.entries(args.match).every(([k, v]) => String(payload[k]) === String(v))) return m.ts;
      }
      cursor = (res.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
      if (!cursor) return null;
    }
    throw new SlackApiError('conversations.history', 'too_many_messages');
  }

  async updateMessage(args: OutgoingMessage & { channel: string; ts: string }): Promise<void> {
    await this.call('chat.update', args.channel, () =>
      this.client.chat.update({
        channel: args.channel,
        ts: args.ts,
        text: args.text,
        ...(args.blocks ? { blocks: args.blocks } : {}),
      }),
    );
  }

  async uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title?: string;
    content: string | Buffer;
    comment?: string;
  }): Promise<void> {
    const content = typeof args.content === 'string' ? Buffer.from(args.content, 'utf8') : args.content;
    const base = { file: content, filename: args.filename, title: args.title ?? args.filename };
    const comment = args.comment ? { initial_comment: args.comment } : {};
    await this.call(
      'files.uploadV2',
      args.channel,
      () =>
        (args.threadTs
          ? this.client.filesUploadV2({
              ...base,
              ...comment,
              channel_id: args.channel,
              thread_ts: args.threadTs,
            })
          : this.client.filesUploadV2({
              ...base,
              ...comment,
              channel_id: args.channel,
            })) as Promise<WebAPICallResult>,
    );
  }

  async postEphemeral(
    args: OutgoingMessage & { channel: string; user: string; threadTs?: string },
  ): Promise<void> {
    await this.call('chat.postEphemeral', args.channel, () =>
      this.client.chat.postEphemeral({
        channel: args.channel,
        user: args.user,
        text: args.text,
        ...(args.blocks ? { blocks: args.blocks } : {}),
        ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      }),
    );
  }

  async respond(responseUrl: string, body: ResponseBody): Promise<void> {
    const { plain: _plain, ...payload } = body;
    // A response_url comes from job data and button payloads: only Slack's own hooks host (or the
    // host of SLACK_API_URL, a proxy or the tests' fake) is ever fetched, never an arbitrary URL.
    if (!responseUrlAllowed(responseUrl, this.responseOrigins)) {
      this.opts.metrics?.slackCalls.inc({ method: 'response_url', outcome: 'refused' });
      const host = safeHost(responseUrl);
      this.opts.logger.warn({ host }, 'response_url host is not Slack; not fetched');
      throw new ResponseUrlRefusedError(`response_url host ${host} is not allowed`);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      this.opts.metrics?.slackCalls.inc({ method: 'response_url', outcome: 'unavailable' });
      throw new SlackUnavailableError(`response_url unreachable: ${(err as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      this.opts.metrics?.slackCalls.inc({ method: 'response_url', outcome: 'ok' });
      return;
    }
    this.opts.metrics?.slackCalls.inc({ method: 'response_url', outcome: 'error' });
    if (res.status === 404 || res.status === 410)
      throw new ResponseUrlExpiredError(text || `HTTP ${res.status}`);
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after') ?? 1);
      throw new SlackRateLimitedError('response_url', Math.max(1, after) * 1_000);
    }
    if (res.status >= 500) throw new SlackUnavailableError(`response_url answered ${res.status}`);
    throw new SlackApiError('response_url', text.slice(0, 100) || `http_${res.status}`);
  }

  async openDirectMessage(userId: string): Promise<string> {
    const res = await this.call('conversations.open', undefined, () =>
      this.client.conversations.open({ users: userId }),
    );
    const id = (res.channel as { id?: string } | undefined)?.id;
    if (!id) throw new SlackApiError('conversations.open', 'no_channel');
    return id;
  }

  async openView(triggerId: string, view: ModalView): Promise<{ id: string; hash: string }> {
    const res = await this.call('views.open', undefined, () =>
      // The view is typed by the bot's own ModalView; the client's View union is wider.
      this.client.views.open({ trigger_id: triggerId, view: view as never }),
    );
    return { id: res.view?.id ?? '', hash: res.view?.hash ?? '' };
  }

  async updateView(viewId: string, view: ModalView, hash?: string): Promise<{ id: string; hash: string }> {
    const res = await this.call('views.update', undefined, () =>
      this.client.views.update({ view_id: viewId, view: view as never, ...(hash ? { hash } : {}) }),
    );
    return { id: res.view?.id ?? viewId, hash: res.view?.hash ?? '' };
  }

  async userGroupMembers(groupId: string): Promise<string[]> {
    const res = await this.call('usergroups.users.list', undefined, () =>
      this.client.usergroups.users.list({ usergroup: groupId }),
    );
    return (res.users as string[] | undefined) ?? [];
  }

  async updateUserGroup(groupId: string, userIds: readonly string[]): Promise<void> {
    await this.call('usergroups.users.update', undefined, () =>
      this.client.usergroups.users.update({ usergroup: groupId, users: userIds.join(',') }),
    );
  }
}

/** Slack's host for response_url (slash commands, interactivity). */
export const SLACK_HOOKS_ORIGIN = 'https://hooks.slack.com';

/** The origins a response_url may have: Slack's hooks host and SLACK_API_URL's origin. */
export function responseUrlOrigins(apiUrl: string): Set<string> {
  const origins = new Set([SLACK_HOOKS_ORIGIN]);
  try {
    origins.add(new URL(apiUrl).origin);
  } catch {
    // SLACK_API_URL is validated at start; nothing to add.
  }
  return origins;
}

export function responseUrlAllowed(responseUrl: string, origins: ReadonlySet<string>): boolean {
  try {
    const u = new URL(responseUrl);
    return u.username === '' && u.password === '' && origins.has(u.origin);
  } catch {
    return false;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
