import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { incidentOfThread } from '../incidents/store.ts';
import { handleSlashCommand } from './commands.ts';
import type { OutgoingMessage } from './port.ts';

/**
 * Commands inside an incident's thread. Slack does not allow slash commands in threads ("/cmd is
 * not supported in threads"), so a responder mentions the bot there instead: `@laojun status
 * admin-api` or `@laojun /logs gateway`. The command takes the slash-command path (permission →
 * audit → enqueue → answer), is answered in the thread, and the run joins the incident's timeline.
 */

/** The `app_mention` event fields used here. */
export interface MentionEvent {
  user?: string;
  bot_id?: string;
  text?: string;
  channel: string;
  ts: string;
  thread_ts?: string;
  team?: string;
}

/** How long a Slack event id is remembered: Slack retries within minutes. */
const SEEN_TTL_SECONDS = 3_600;

/** "<@U0BOT> /logs gateway --level error" → { name: 'logs', text: 'gateway --level error' }. */
export function parseMention(text: string): { name: string; text: string } | undefined {
  // Cut before matching: a mention is a command line, not an essay.
  const words = text.slice(0, 4_000).trim().split(/\s+/);
  while (words.length > 0 && /^<@[A-Z0-9]+(\|[^>]*)?>$/i.test(words[0] ?? '')) words.shift();
  const first = words.shift();
  if (!first) return undefined;
  const name = first.replace(/^\//, '').toLowerCase();
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) return undefined;
  return { name, text: words.join(' ') };
}

/** True the first time an event id is seen: Slack's retries of an event run nothing again. */
async function firstDelivery(deps: Deps, eventId: string): Promise<boolean> {
  const key = `${deps.queues.prefix}:slack-event:${eventId}`;
  return (await deps.queues.connection.set(key, '1', 'EX', SEEN_TTL_SECONDS, 'NX')) === 'OK';
}

export async function handleMention(
  deps: Deps,
  event: MentionEvent,
  eventId: string | undefined,
): Promise<void> {
  // The bot's own posts, and anything without a person behind it, run nothing.
  if (!event.user || event.bot_id) return;
  if (eventId && !(await firstDelivery(deps, eventId))) {
    deps.logger.info({ eventId }, 'slack event retry ignored');
    return;
  }
  const { t } = deps;
  const threadTs = event.thread_ts ?? event.ts;
  const reply = async (answer: string | RespondArguments | undefined) => {
    if (answer === undefined) return;
    // The same answer a slash command's acknowledgement carries: text, and blocks for help.
    const body = (typeof answer === 'string' ? { text: answer } : answer) as {
      text?: string;
      blocks?: OutgoingMessage['blocks'];
    };
    // What answers the mention itself (queued, refused, usage, help) is for its author alone, as a
    // slash command's acknowledgement is; the command's result is posted in the thread for all.
    await deps.slack.postEphemeral({
      channel: event.channel,
      user: event.user as string,
      threadTs,
      text: body.text ?? '',
      ...(body.blocks ? { blocks: body.blocks } : {}),
    });
  };
  const incidentId = event.thread_ts
    ? await incidentOfThread(deps.pool, event.channel, event.thread_ts)
    : undefined;
  if (incidentId === undefined) return reply(t('commands.mention.notIncidentThread'));
  const parsed = parseMention(event.text ?? '');
  if (!parsed) return reply(t('commands.mention.usage'));
  const command: SlashCommand = {
    token: '',
    command: `/${parsed.name}`,
    text: parsed.text,
    user_id: event.user,
    user_name: '',
    team_id: event.team ?? '',
    team_domain: '',
    channel_id: event.channel,
    channel_name: '',
    api_app_id: '',
    response_url: '',
    trigger_id: '',
  };
  const jobId =
    eventId && /^[A-Za-z0-9_-]{1,100}$/.test(eventId) ? `mention-${eventId}` : `mention-${newRef()}`;
  await handleSlashCommand(deps, command, reply, { threadTs: event.thread_ts as string, incidentId, jobId });
}

/** `app_mention` events (Events API over HTTP, or Socket Mode). */
export function registerMentions(app: App, deps: Deps): void {
  app.event('app_mention', async ({ event, body }) => {
    const eventId = (body as { event_id?: string }).event_id;
    try {
      await handleMention(deps, event as MentionEvent, eventId);
    } catch (err) {
      const ref = newRef();
      deps.logger.error({ ref, eventId, err }, 'mention could not be handled');
      const e = event as MentionEvent;
      if (!e.user) return;
      await deps.slack
        .postEphemeral({
          channel: e.channel,
          user: e.user,
          threadTs: e.thread_ts ?? e.ts,
          text: deps.t('commands.mention.failed', { ref }),
        })
        .catch(() => {});
    }
  });
}
