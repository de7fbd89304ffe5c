/** Slack answered 429: retry after `retryAfterMs`, for this channel (or method) only. */
export class SlackRateLimitedError extends Error {
  override name = 'SlackRateLimitedError';
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
    readonly channel?: string,
  ) {
    super(`Slack rate-limited ${method}${channel ? ` in ${channel}` : ''}; retry after ${retryAfterMs} ms`);
  }
}

/** Slack could not be reached or answered 5xx: retry later. */
export class SlackUnavailableError extends Error {
  override name = 'SlackUnavailableError';
}

/** Slack refused the call (`ok: false`); `code` is Slack's error string. */
export class SlackApiError extends Error {
  override name = 'SlackApiError';
  constructor(
    readonly method: string,
    readonly code: string,
  ) {
    super(`Slack ${method} failed: ${code}`);
  }
}

/** A response_url that is expired, used up or unknown. */
export class ResponseUrlExpiredError extends Error {
  override name = 'ResponseUrlExpiredError';
}

/**
 * A response_url whose host is not Slack's (nor SLACK_API_URL's): never fetched. Handled like an
 * expired one (the answer is posted in the channel instead).
 */
export class ResponseUrlRefusedError extends ResponseUrlExpiredError {
  override name = 'ResponseUrlRefusedError';
}

/** Errors that will not go away by retrying the same call. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_blocks_too_long',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'no_text',
  'message_not_found',
  'cant_update_message',
  'thread_not_found',
]);

export function isPermanentSlackError(err: unknown): boolean {
  return err instanceof SlackApiError && PERMANENT.has(err.code);
}
