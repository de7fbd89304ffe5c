/** History methods of the fake Slack server: conversations.history and conversations.replies. */
import { str } from './http-body.ts';
import { apiError, type Handler } from './slack-result.ts';
import type { FakeMessage } from './slack-types.ts';

/**
 * As Slack answers them: newest first for history (top-level messages only), parent then replies
 * oldest first for replies; `oldest`/`latest` exclusive bounds; `limit` (default 100, max 999);
 * message `metadata` only with `include_all_metadata=true`.
 */
export function historyHandlers(
  messages: FakeMessage[],
  asMessage: (m: FakeMessage) => Record<string, unknown>,
): Record<string, Handler> {
  const window = (b: Record<string, unknown>, list: FakeMessage[]) => {
    const oldest = Number(str(b.oldest) ?? '0');
    const latest = Number(str(b.latest) ?? 'Infinity');
    const limit = Math.min(999, Math.max(1, Number(str(b.limit) ?? '100')));
    const withMeta = str(b.include_all_metadata) === 'true' || b.include_all_metadata === true;
    return list
      .filter((m) => !m.deleted && Number(m.ts) > oldest && Number(m.ts) < latest)
      .slice(0, limit)
      .map((m) => ({ ...asMessage(m), ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
  };
  return {
    'conversations.history': (b) => {
      const channel = str(b.channel) ?? '';
      if (!channel) return apiError('channel_not_found');
      const top = messages.filter((m) => m.channel === channel && !m.thread_ts).reverse();
      return { body: { ok: true, messages: window(b, top), has_more: false } };
    },
    'conversations.replies': (b) => {
      const channel = str(b.channel) ?? '';
      const ts = str(b.ts) ?? '';
      const parent = messages.find((m) => m.channel === channel && m.ts === ts && !m.thread_ts && !m.deleted);
      if (!parent) return apiError('thread_not_found');
      const thread = [parent, ...messages.filter((m) => m.channel === channel && m.thread_ts === ts)];
      return { body: { ok: true, messages: window(b, thread), has_more: false } };
    },
  };
}
