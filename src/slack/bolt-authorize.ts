import type { Authorize } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * Bolt's authorisation for a single-workspace bot token, with `auth.test` asked once.
 *
 * With `tokenVerificationEnabled: false` (which the bot needs: it must start while Slack is
 * unreachable) Bolt's built-in single-token authorisation calls `auth.test` on every incoming
 * request, a Web API round trip on the acknowledgement path of each slash command. Here the first
 * answer is kept for the life of the process; a failed call is forgotten, so the next request asks
 * again instead of failing for ever.
 */
export function singleTokenAuthorize(token: string, client: Pick<WebClient, 'auth'>): Authorize<boolean> {
  let identity: Promise<{ botUserId?: string; botId?: string }> | undefined;
  return async ({ isEnterpriseInstall }) => {
    identity ??= client.auth.test({ token }).then(
      (r) => ({ botUserId: r.user_id, botId: r.bot_id }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    );
    return { isEnterpriseInstall, botToken: token, ...(await identity) };
  };
}
