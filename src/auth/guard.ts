import type { Deps } from '../deps.ts';

export type GuardResult = { ok: true } | { ok: false; outcome: 'denied' | 'rate_limited'; message: string };

/**
 * One gate for every user action — slash commands, buttons, checklist ticks: the permission (by
 * Slack IDs) and the per-user rate limit. The message says what is missing and who grants it.
 */
export async function guard(
  deps: Pick<Deps, 'authorizer' | 'rateLimiter' | 't'>,
  action: {
    userId: string;
    channelId?: string;
    permission: string;
    what: string;
    /** A button in a message cannot be pressed elsewhere: "use an ops channel" would be wrong advice. */
    button?: boolean;
  },
): Promise<GuardResult> {
  const { t } = deps;
  const auth = await deps.authorizer.check(action.userId, action.channelId, action.permission);
  if (!auth.ok) {
    return {
      ok: false,
      outcome: 'denied',
      message:
        auth.reason === 'channel'
          ? t(action.button ? 'commands.buttonChannelDenied' : 'commands.channelDenied', {
              permission: auth.permission,
              grantedBy: auth.grantedBy,
            })
          : t('commands.denied', {
              permission: auth.permission,
              command: action.what,
              grantedBy: auth.grantedBy,
            }),
    };
  }
  const rate = await deps.rateLimiter.consume(action.userId);
  if (!rate.ok) {
    return {
      ok: false,
      outcome: 'rate_limited',
      message: t('commands.rateLimited', { seconds: Math.ceil(rate.retryAfterMs / 1000) }),
    };
  }
  return { ok: true };
}
