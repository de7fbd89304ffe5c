import type { Redactor } from '../redact.ts';
import { LIMITS, truncate } from './limits.ts';
import type { MessageMetadata, OutgoingMessage, PostResult, ResponseBody, SlackPort } from './port.ts';

/**
 * The outbound filter: the one place every payload passes on its way out of the bot — chat.postMessage,
 * chat.update, ephemeral answers and acknowledgements, response_url, file uploads and console output.
 * Renderers escape what they build (see docs/security.md); this filter is the last line behind them:
 *
 * - every string is redacted (configured secrets and secret-shaped text);
 * - a URL's userinfo (`user:password@`, `user@`) is removed, so a link built from ALERTMANAGER_URL or
 *   `links.grafana` never shows credentials;
 * - `<!channel>`, `<!here>` and `<!everyone>` are never sent live, except `<!here>` and `<!channel>` in a
 *   message the bot marks `broadcast` (an on-call escalation step that pages the channel; its text is a
 *   catalogue template, external values in it are escaped);
 * - the top-level `text` (notification and fallback text) is plain text with `&`, `<` and `>` escaped:
 *   mrkdwn tokens a renderer put there become their readable form, so alert text can never turn it into
 *   a mention or a disguised link (text-only answers keep mentions by ID, see plainText).
 *
 * Every regular expression here is linear in its input.
 */
export interface OutboundFilter {
  /** One string as shown in a mrkdwn or plain_text field, a file or the console. */
  string(s: string): string;
  /** The top-level `text` of a message; `textOnly` for a message without blocks (see plainText). */
  text(s: string, textOnly?: boolean): string;
  /** A message or response body: `text` as above, every other string (blocks, `plain`) through `string`. */
  message<T extends { text?: string; broadcast?: boolean }>(m: T): T;
  /** Any other payload (a modal view): every shown string through `string`. */
  payload<T>(value: T): T;
}

/** Keys whose values are identifiers or machine data, not shown text. */
const STRUCTURAL = new Set([
  'metadata',
  'channel',
  'ts',
  'thread_ts',
  'threadTs',
  'action_id',
  'block_id',
  'initial_user',
  'response_type',
  'type',
]);

/** `scheme://userinfo@` → `scheme://`. Matches start at `://` (scheme checked behind, at most 32) and
 * userinfo stops at a delimiter, so each character is scanned from one start at most: linear. */
const USERINFO = /(?<=[a-z][a-z0-9+.-]{0,31}):\/\/[^\s/?#@<>|]+@/gi;

/** Broadcast mentions, with or without a label. */
const BROADCAST = /<!(channel|here|everyone)(?:\|[^<>]*)?>/g;
/** The broadcasts a message marked `broadcast` may keep (never `@everyone`). */
const EVERYONE = /<!(everyone)(?:\|[^<>]*)?>/g;

export function stripUserinfo(s: string): string {
  return s.replace(USERINFO, '://');
}

const ESCAPE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** The readable form of one mrkdwn token's inside (between `<` and `>`). */
function tokenText(inner: string): string {
  const bar = inner.indexOf('|');
  const head = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : '';
  if (head.startsWith('!date^')) return label || head;
  if (head.startsWith('!subteam^')) return label || `@${head.slice('!subteam^'.length)}`;
  if (head.startsWith('!')) return `@${head.slice(1)}`;
  if (head.startsWith('@')) return head;
  if (head.startsWith('#')) return `#${label || head.slice(1)}`;
  return label ? `${label} (${head})` : head;
}

/** What Slack reads as a token between `<` and `>`: a mention, a special command or a URL. */
const MRKDWN_TOKEN = /^(?:[@#!]|[a-z][a-z0-9+.-]*:)/i;

/** Mentions of one user, channel or user group by ID, and dates: kept live in text-only answers. */
const ID_TOKEN =
  /^(?:@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,}|!subteam\^S[A-Z0-9]{2,}|!date\^\d+\^[^|]*\|[^|]*)(?:\|[^|]*)?$/;

/**
 * Top-level `text` made plain and escaped, in one linear pass: `<@U1>` → `@U1`, `<url|label>` →
 * `label (url)`, dates → their fallback, entities kept, every other `&`, `<` and `>` escaped. Text a
 * renderer already escaped comes out the same; raw text comes out escaped. With `keepMentions` (a
 * text-only answer, which is ephemeral and notifies no one) mentions of a user, channel or user group
 * by ID and dates stay live, so a refusal can name who grants a permission; links never do.
 */
export function plainText(s: string, keepMentions = false): string {
  return s.replace(/<([^<>]*)>|&(?:amp|lt|gt);|[&<>]/g, (m, inner: string | undefined) => {
    if (inner !== undefined) {
      // `<service>` in a usage line is text, not a token: only `@`, `#`, `!` and URLs are.
      if (!MRKDWN_TOKEN.test(inner)) return `&lt;${escapeText(inner)}&gt;`;
      return keepMentions && ID_TOKEN.test(inner) ? m : escapeText(tokenText(inner));
    }
    return m.length > 1 ? m : (ESCAPE[m] ?? m);
  });
}

function escapeText(s: string): string {
  return s.replace(/&(?:amp|lt|gt);|[&<>]/g, (m) => (m.length > 1 ? m : (ESCAPE[m] ?? m)));
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = STRUCTURAL.has(k) ? v : mapStrings(v, fn);
    return out;
  }
  return value;
}

export function createOutboundFilter(redact: Redactor): OutboundFilter {
  const string = (s: string) => stripUserinfo(redact(s)).replace(BROADCAST, '@$1');
  const broadcastString = (s: string) => stripUserinfo(redact(s)).replace(EVERYONE, '@$1');
  const text = (s: string, textOnly = false) => plainText(string(truncate(s, LIMITS.messageText)), textOnly);
  return {
    string,
    text,
    payload: <T>(value: T) => mapStrings(value, string) as T,
    message<T extends { text?: string; broadcast?: boolean }>(m: T): T {
      const { text: top, broadcast, ...rest } = m;
      const out = mapStrings(rest, broadcast === true ? broadcastString : string) as T;
      const blocks = (m as { blocks?: unknown[] }).blocks;
      return top === undefined ? out : { ...out, text: text(top, !blocks?.length) };
    },
  };
}

type PostArgs = OutgoingMessage & { channel: string; threadTs?: string; metadata?: MessageMetadata };
type UploadArgs = Parameters<SlackPort['uploadFile']>[0];

/** A SlackPort whose every outgoing payload passes the outbound filter. */
export class FilteredSlack implements SlackPort {
  readonly mode: SlackPort['mode'];
  readonly findPostedMessage?: SlackPort['findPostedMessage'];
  // Optional capabilities stay absent when the inner port lacks them (console mode has no modals).
  readonly updateUserGroup?: SlackPort['updateUserGroup'];
  readonly openView?: SlackPort['openView'];
  readonly updateView?: SlackPort['updateView'];

  constructor(
    readonly inner: SlackPort,
    readonly filter: OutboundFilter,
  ) {
    this.mode = inner.mode;
    if (inner.findPostedMessage) this.findPostedMessage = inner.findPostedMessage.bind(inner);
    if (inner.updateUserGroup) this.updateUserGroup = inner.updateUserGroup.bind(inner);
    const { openView, updateView } = inner;
    // Modal views carry shown text (titles, labels, initial values): filtered like messages.
    if (openView) this.openView = (triggerId, view) => openView.call(inner, triggerId, filter.payload(view));
    if (updateView)
      this.updateView = (viewId, view, hash) => updateView.call(inner, viewId, filter.payload(view), hash);
  }

  postMessage(args: PostArgs): Promise<PostResult> {
    return this.inner.postMessage(this.filter.message(args));
  }

  updateMessage(args: OutgoingMessage & { channel: string; ts: string }): Promise<void> {
    return this.inner.updateMessage(this.filter.message(args));
  }

  postEphemeral(args: OutgoingMessage & { channel: string; user: string; threadTs?: string }): Promise<void> {
    return this.inner.postEphemeral(this.filter.message(args));
  }

  uploadFile(args: UploadArgs): Promise<void> {
    const f = this.filter.string;
    return this.inner.uploadFile({
      ...args,
      filename: f(args.filename),
      ...(args.title !== undefined ? { title: f(args.title) } : {}),
      ...(args.comment !== undefined ? { comment: f(args.comment) } : {}),
      // Binary content (charts) is left as it is; text content is redacted.
      content: typeof args.content === 'string' ? f(args.content) : args.content,
    });
  }

  respond(responseUrl: string, body: ResponseBody): Promise<void> {
    return this.inner.respond(responseUrl, this.filter.message(body));
  }

  openDirectMessage(userId: string): Promise<string> {
    return this.inner.openDirectMessage(userId);
  }

  userGroupMembers(groupId: string): Promise<string[]> {
    return this.inner.userGroupMembers(groupId);
  }
}

/** Wraps a port once (a port that is already filtered is returned as it is). */
export function filtered(slack: SlackPort, filter: OutboundFilter): SlackPort {
  return slack instanceof FilteredSlack ? slack : new FilteredSlack(slack, filter);
}
