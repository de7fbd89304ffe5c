/** Public types of the fake Slack server (re-exported by test/fakes/slack-api.ts). */

export interface FakeSlackOptions {
  /** Accepted bot token, default 'xoxb-test'. */
  token?: string;
  /** chat.postMessage per-channel burst, default 3. */
  postBurst?: number;
  /** chat.postMessage per-channel refill per second, default 1. */
  postPerSecond?: number;
  /** chat.update per workspace per minute, default 50 (Tier 3). */
  updatePerMinute?: number;
  /** Clock in ms for `at`, message ts and the response_url 30-minute rule. Default Date.now. */
  now?: () => number;
  /** Clock in ms for rate-limit buckets and failFor windows. Default Date.now (real time). */
  rateClock?: () => number;
}

export interface RecordedCall {
  /** Web API method, or 'response_url' / 'upload_url'. */
  method: string;
  body: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
  /** e.g. 'missing_text_fallback' (blocks without top-level text), 'text_truncated' (> 40,000 chars). */
  warnings?: string[];
  /** Human-readable Block Kit reasons of an invalid_blocks / msg_blocks_too_long rejection. */
  errors?: string[];
  /** The call took effect although it was answered with an error (a `committed` failure). */
  committed?: boolean;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  /** Legacy secondary attachments (what Alertmanager's `slack_configs` receiver posts). */
  attachments?: unknown[];
  /** Number of accepted chat.update calls. */
  edits: number;
  /** Previous versions, oldest first (history.length === edits). */
  history: Array<{ text?: string; blocks?: unknown[]; attachments?: unknown[] }>;
  user: string;
  deleted?: boolean;
  /** `metadata` given to chat.postMessage (event_type, event_payload). */
  metadata?: unknown;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
}

/** A POST accepted on a response_url. */
export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  title?: string;
  bytes: Buffer;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
  /** True once files.completeUploadExternal has accepted it. */
  completed: boolean;
}

/**
 * An injected failure. A 5xx with `committed: true` is answered only after the Web API call took
 * effect (the message is posted, the edit applied), as when Slack's edge times out on a call Slack
 * accepted: the caller cannot tell it from a 5xx that did nothing. Calls that fail on their own
 * (429, `ok:false`) are answered as they are.
 */
export type Failure =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503; committed?: boolean }
  | { error: string };

export interface FakeSlack {
  /** e.g. http://127.0.0.1:PORT/api/ (trailing slash): what the bot gets as SLACK_API_URL. */
  apiUrl: string;
  baseUrl: string;
  token: string;
  /** Identity auth.test answers with. */
  bot: { userId: string; botId: string; teamId: string };
  calls: RecordedCall[];
  /** Every message posted (top-level and thread replies), in order. */
  messages: FakeMessage[];
  ephemerals: FakeEphemeral[];
  /** Every accepted POST to a response_url. */
  responses: FakeResponse[];
  /** Every file whose bytes reached its upload_url (see `completed`). */
  uploads: FakeUpload[];
  /** Calls answered with ok:false or non-2xx. */
  rejected: RecordedCall[];
  /** A fresh response_url served by this fake: works at most 5 times within 30 minutes (by `now`). */
  createResponseUrl(): string;
  /** Top-level messages of a channel (not deleted ones). */
  channelMessages(channel: string): FakeMessage[];
  threadReplies(channel: string, threadTs: string): FakeMessage[];
  /** Method name like 'chat.postMessage', 'response_url', 'upload_url', or '*' (everything). */
  failNext(method: string, failure: Failure, times?: number): void;
  failFor(method: string, failure: Failure, ms: number): void;
  setUserGroup(groupId: string, userIds: string[]): void;
  /** Overrides fields of the user users.info returns. */
  setUser(userId: string, info: Record<string, unknown>): void;
  /** Clears recordings, messages, uploads, response URLs, rate-limit state and failure injections. */
  reset(): void;
  close(): Promise<void>;
}
