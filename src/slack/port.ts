import type { KnownBlock } from '@slack/types';

export interface OutgoingMessage {
  text: string;
  blocks?: KnownBlock[];
  /** Terminal rendering, printed in console mode. */
  plain?: string;
  /**
   * The message deliberately notifies the whole channel (an escalation step that pages `@here` or
   * `@channel`): only then does the outbound filter leave `<!here>` and `<!channel>` live.
   */
  broadcast?: boolean;
}

export interface ResponseBody extends OutgoingMessage {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
}

/** Slack message metadata (event_type + a flat payload), used to recognise the bot's own posts. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, string | number | boolean>;
}

export interface PostResult {
  channel: string;
  ts: string;
}

/**
 * Everything the bot says to Slack goes through this port: the Web API (real or the test fake,
 * reached through SLACK_API_URL) or the console in console mode.
 */
export interface SlackPort {
  readonly mode: 'web' | 'console';
  postMessage(
    args: OutgoingMessage & { channel: string; threadTs?: string; metadata?: MessageMetadata },
  ): Promise<PostResult>;
  /**
   * Optional: the ts of a message posted after `oldest` (in a thread when `threadTs` is given)
   * whose metadata has `eventType` and every field of `match`; `null` when there is none;
   * throws when Slack cannot tell (then the caller does not know).
   */
  findPostedMessage?(args: {
    channel: string;
    threadTs?: string;
    oldest: Date;
    eventType: string;
    match: Record<string, string | number | boolean>;
  }): Promise<string | null>;
  updateMessage(args: OutgoingMessage & { channel: string; ts: string }): Promise<void>;
  /** A message only `user` sees (chat.postEphemeral), in a thread when `threadTs` is given. */
  postEphemeral(args: OutgoingMessage & { channel: string; user: string; threadTs?: string }): Promise<void>;
  uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title?: string;
    content: string | Buffer;
    comment?: string;
  }): Promise<void>;
  /** Posts to a slash command's response_url. Throws ResponseUrlExpiredError when it no longer works. */
  respond(responseUrl: string, body: ResponseBody): Promise<void>;
  /** Opens (or finds) the direct-message channel with a user. */
  openDirectMessage(userId: string): Promise<string>;
  /** Members of a user group (by ID). */
  userGroupMembers(groupId: string): Promise<string[]>;
  /** Optional: sets a user group's members (usergroups.users.update; on-call group sync). */
  updateUserGroup?(groupId: string, userIds: readonly string[]): Promise<void>;
  /** Opens a modal for an interaction's trigger_id (valid once, for 3 s); absent in console mode. */
  openView?(triggerId: string, view: ModalView): Promise<{ id: string; hash: string }>;
  /** Replaces an open modal; `hash` (from openView) refuses to overwrite a newer version. */
  updateView?(viewId: string, view: ModalView, hash?: string): Promise<{ id: string; hash: string }>;
}

/** A modal view (Block Kit `type: 'modal'`). */
export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  close?: { type: 'plain_text'; text: string };
  private_metadata?: string;
  blocks: unknown[];
}
