import type { Deps } from '../deps.ts';
import { renderBlocks, type SlackMessage } from '../report/blocks.ts';
import { mapReportText, type Report } from '../report/report.ts';
import { renderText } from '../report/text.ts';
import { ResponseUrlExpiredError, SlackApiError } from './errors.ts';

export interface ReplyTarget {
  /** A slash command's response_url; when it has expired or been used up we post instead. */
  responseUrl?: string;
  channelId?: string;
  userId: string;
  threadTs?: string;
  responseType?: 'ephemeral' | 'in_channel';
}

/** Redacts and renders a report: the message for Slack and the text for terminals. */
export function prepare(
  deps: Pick<Deps, 'redact' | 't'>,
  report: Report,
  /** Where a long answer's file goes: attached where the answer is, or to the user directly. */
  fileTo: 'here' | 'user' = 'here',
): { message: SlackMessage; plain: string } {
  const clean = mapReportText(report, deps.redact);
  const message = renderBlocks(clean, {
    attachedNote: (file) =>
      deps.t(fileTo === 'user' ? 'common.fullOutputSentToYou' : 'common.fullOutputAttached', { file }),
  });
  if (clean.document) {
    const { filename, content } = clean.document;
    message.file = { filename, title: filename, content: deps.redact(content) };
  }
  return { message, plain: renderText(clean) };
}

const NOT_POSTABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

/**
 * Sends a report where the user will see it: through response_url first, falling back to
 * chat.postMessage in the channel (or a direct message when the bot is not in the channel).
 * Long output is attached as a file: in the channel (or thread) when the answer is public there, else
 * in a direct message to the user. Slack errors propagate so the job can retry or defer.
 */
export async function deliverReport(
  deps: Deps,
  target: ReplyTarget,
  report: Report,
): Promise<'response_url' | 'channel' | 'dm'> {
  // An ephemeral answer is the user's alone: its file goes to them directly, not to the channel,
  // where everyone would see what only they were shown.
  const privately = Boolean(target.responseUrl) && target.responseType !== 'in_channel';
  const { message, plain } = prepare(deps, report, privately ? 'user' : 'here');
  let via: 'response_url' | 'channel' | 'dm' | undefined;
  if (target.responseUrl) {
    try {
      await deps.slack.respond(target.responseUrl, {
        text: message.text,
        blocks: message.blocks,
        plain,
        response_type: target.responseType ?? 'ephemeral',
        replace_original: false,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
      });
      via = 'response_url';
    } catch (err) {
      if (!(err instanceof ResponseUrlExpiredError)) throw err;
      deps.logger.info({ user: target.userId }, 'response_url expired; posting instead');
    }
  }
  let channel = target.channelId;
  if (!via) {
    try {
      if (!channel) throw new SlackApiError('chat.postMessage', 'channel_not_found');
      await deps.slack.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        plain,
        threadTs: target.threadTs,
      });
      via = 'channel';
    } catch (err) {
      if (!(err instanceof SlackApiError && NOT_POSTABLE.has(err.code))) throw err;
      channel = await deps.slack.openDirectMessage(target.userId);
      await deps.slack.postMessage({ channel, text: message.text, blocks: message.blocks, plain });
      via = 'dm';
    }
  }
  if (message.file) {
    const file = {
      filename: message.file.filename,
      title: message.file.title,
      content: message.file.content,
    };
    const toUser = async () =>
      deps.slack.uploadFile({ ...file, channel: await deps.slack.openDirectMessage(target.userId) });
    if (privately || via === 'dm' || !channel) {
      await toUser();
    } else {
      try {
        await deps.slack.uploadFile({ ...file, channel, threadTs: target.threadTs });
      } catch (err) {
        if (!(err instanceof SlackApiError && NOT_POSTABLE.has(err.code))) throw err;
        await toUser();
      }
    }
  }
  return via;
}
