/** Public types of the fake Slack server (re-exported by test/fakes/slack-api.ts). */

export interface FakeSlackOptions {
  /** Accepted bot token, default 'xoxb-test'. */
  token?: string;
  /** Accepted app-level token (Socket Mode), default 'xapp-1-A0CHATOPS-1-test'. */
  appToken?: string;
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

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** An envelope the fake sent over Socket Mode. */
export interface FakeEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  /** Index in `connections` of the connection it went to. */
  connection: number;
  at: number;
}

/** An acknowledgement `{envelope_id, payload?}` the app sent back over Socket Mode. */
export interface FakeAck {
  envelope_id: string;
  /** What Slack shows for a slash command (response_type, text, blocks); `{}` or absent for a plain ack. */
  payload?: Record<string, unknown>;
  connection: number;
  at: number;
}

export interface FakeSocketConnection {
  /** Index in `connections`, in the order the app connected. */
  index: number;
  openedAt: number;
  /** True from `hello` until either side closes it. */
  open: boolean;
  closedAt?: number;
  /** 'client': the app closed it (e.g. after a `disconnect` message); 'dropped': `drop()`; 'server': `close()`. */
  closedBy?: 'client' | 'dropped' | 'server';
}

export interface FakeSocketMode {
  appToken: string;
  appId: string;
  /** Every WebSocket the app opened, oldest first. */
  connections: FakeSocketConnection[];
  envelopes: FakeEnvelope[];
  /** Accepted acknowledgements (refused ones are in FakeSlack.rejected as method 'socket_ack'). */
  acks: FakeAck[];
  openConnections(): FakeSocketConnection[];
  /**
   * Sends an envelope to the newest open connection and returns its envelope_id. Throws
   * `dispatch_failed` when the app has no open connection (what Slack then shows the user).
   */
  send(type: EnvelopeType, payload: Record<string, unknown>): string;
  ackOf(envelopeId: string): FakeAck | undefined;
  /** Sends `{type:'disconnect', reason}` on every open connection; the app should reconnect. */
  disconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
  /** Cuts every open connection without a close frame, like a network failure. */
  drop(): void;
}

export interface FakeSlack {
  /** e.g. http://127.0.0.1:PORT/api/ (trailing slash): what the bot gets as SLACK_API_URL. */
  apiUrl: string;
  baseUrl: string;
  token: string;
  /** App-level token apps.connections.open accepts (Socket Mode). */
  appToken: string;
  /** Socket Mode: connections, envelopes pushed to the app and its acks. */
  socket: FakeSocketMode;
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
  /** Modals opened with views.open (as last updated by views.update). */
  views: import('./slack-views.ts').FakeView[];
  /** A trigger_id as Slack sends with an interaction: views.open accepts it once, within 3 s (by `now`). */
  createTriggerId(): string;
  /** A fresh response_url served by this fake: works at most 5 times within 30 minutes (by `now`). */
  createResponseUrl(): string;
  /** Top-level messages of a channel (not deleted ones). */
  channelMessages(channel: string): FakeMessage[];
  /** A person's message (what a user types, e.g. a mention of the bot); returns it with its ts. */
  postAsUser(channel: string, user: string, text: string, threadTs?: string): FakeMessage;
  threadReplies(channel: string, threadTs: string): FakeMessage[];
  /** Method name like 'chat.postMessage', 'response_url', 'upload_url', or '*' (everything); `channel`: only calls to it. */
  failNext(method: string, failure: Failure, times?: number, channel?: string): void;
  failFor(method: string, failure: Failure, ms: number): void;
  setUserGroup(groupId: string, userIds: string[]): void;
  /** Overrides fields of the user users.info returns. */
  setUser(userId: string, info: Record<string, unknown>): void;
  /** Clears recordings, messages, uploads, response URLs, rate-limit state and failure injections. */
  reset(): void;
  close(): Promise<void>;
}
