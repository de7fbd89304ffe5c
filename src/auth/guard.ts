import type { Deps } from '../deps.ts';

export type GuardResult = { ok: true } | { ok: false; outcome: 'denied' | 'rate_limited'; message: string };

/**
 * One gate for every user action — slash commands, buttons, checklist ticks, modals — called by the
 * interaction pipeline (src/slack/pipeline.ts) with the permission the request needs: the
 * permission and channel (by Slack IDs) and the per-user rate limit. The message says what is
 * missing and who grants it.
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
    /** The caller takes the rate-limit point itself (an enqueued request: with the enqueue). */
    skipRate?: boolean;
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
  if (action.skipRate) return { ok: true };
  return rateGate(deps, action.userId);
}

/** The per-user rate limit alone: one point taken, or the refusal the user sees. */
export async function rateGate(deps: Pick<Deps, 'rateLimiter' | 't'>, userId: string): Promise<GuardResult> {
  const { t } = deps;
  const rate = await deps.rateLimiter.consume(userId);
  if (!rate.ok) {
    return {
      ok: false,
      outcome: 'rate_limited',
      message: t('commands.rateLimited', { seconds: Math.ceil(rate.retryAfterMs / 1000) }),
    };
  }
  return { ok: true };
}
