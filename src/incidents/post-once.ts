import type { Deps } from '../deps.ts';
import { SlackApiError, SlackRateLimitedError, SlackUnavailableError } from '../slack/errors.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { claimPost, type PostRef, restorePostClaim } from './store.ts';

/*
 * Posting exactly once to Slack: a claim in PostgreSQL before the post, a search (by message metadata)
 * for an earlier attempt's post when a claim is found, and the channel's pacer around every call.
 * Used by incident threads, storm messages, on-call deliveries and stakeholder messages.
 */
/** event_type of the metadata every incident post carries, so an earlier attempt's post can be found. */
const POST_EVENT_TYPE = 'laojun_incident_post';

type Earlier = { ts: string } | { absent: true } | { unknown: true };

/**
 * Looks for the post of an earlier attempt that ended between posting and recording (its claim is
 * set, its ts is not), by the metadata marker it was posted with. Unknown when Slack can never say
 * (no history scope, or a console port). When the search itself fails for now (5xx, timeout,
 * 429), it throws: the caller must not post, since the earlier post may well be there; the job is
 * retried later with the claim kept.
 */
async function earlierPost(
  deps: Deps,
  channel: string,
  threadTs: string | undefined,
  claimedAt: Date,
  match: Record<string, string | number>,
): Promise<Earlier> {
  if (!deps.slack.findPostedMessage) return { unknown: true };
  try {
    const ts = await deps.slack.findPostedMessage({
      channel,
      ...(threadTs ? { threadTs } : {}),
      // Generous margin for clock differences between the bot and Slack.
      oldest: new Date(claimedAt.getTime() - 5 * 60_000),
      eventType: POST_EVENT_TYPE,
      match,
    });
    return ts ? { ts } : { absent: true };
  } catch (err) {
    if (err instanceof SlackRateLimitedError || err instanceof SlackUnavailableError) throw err;
    deps.logger.warn({ channel, err }, 'cannot look for an earlier post');
    return { unknown: true };
  }
}

function uncertain(deps: Deps, what: Record<string, unknown>) {
  deps.metrics.incidents.uncertainPosts.inc();
  deps.logger.warn(what, 'an earlier attempt may have posted; Slack cannot tell, posting again');
}

/** Slack refused for sure (nothing was posted), so an attempt's claim can be released. */
function definitelyNotPosted(err: unknown): boolean {
  return err instanceof SlackRateLimitedError || err instanceof SlackApiError;
}

/** Calls Slack for a post; a 429 also holds that channel in the shared pacer. */
async function paced<T>(deps: Deps, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SlackRateLimitedError) {
      deps.metrics.incidents.rateLimited.inc({ method: err.method });
      await deps.pacer.rateLimited(err);
    }
    throw err;
  }
}

/** The message a post is for (see PostRef in the store), and its claim as loaded. */
export interface PostClaim extends PostRef {
  /** The claim as loaded: set when an earlier attempt may have posted. */
  claimedAt: Date | null;
}

/**
 * Posts a message exactly once; the caller records the ts it returns. The claim is written before
 * the post and the ts right after it (by the caller); the post carries a metadata marker. A claim
 * without a ts means an earlier attempt ended between the two (a crash, or a timeout or 5xx whose
 * outcome Slack never told): the channel or thread is searched for the marker, and a message found
 * is adopted (`adopted: true`) instead of posting again. When the search fails for now it throws
 * (retried later, claim kept); only when Slack can never be asked (no history scope) is it posted
 * again, counted in laojun_incident_uncertain_posts_total.
 *
 * The claim is written after the pacer lets the post through (a deferral leaves it as it was), and
 * an earlier attempt's claim is kept, so the search window still covers that attempt's post. An
 * answer where Slack surely did not post (429, ok:false) restores the claim this attempt found.
 */
export async function postOnce(
  deps: Deps,
  claim: PostClaim,
  p: {
    channel: string;
    threadTs?: string;
    marker: Record<string, string | number>;
    render: () => OutgoingMessage | Promise<OutgoingMessage>;
  },
): Promise<{ ts: string; adopted: boolean }> {
  const setClaim = (value: Date | null) => restorePostClaim(deps.pool, claim, value);
  let found = claim.claimedAt;
  if (found) {
    const earlier = await earlierPost(deps, p.channel, p.threadTs, found, p.marker);
    if ('ts' in earlier) return { ts: earlier.ts, adopted: true };
    if ('unknown' in earlier) uncertain(deps, { table: claim.table, id: claim.id });
    else {
      // Slack's history says the earlier attempt did not post: nothing is left to look for (a
      // deferral of this attempt would otherwise search again on every retry).
      await setClaim(null);
      found = null;
    }
  }
  const msg = await p.render();
  await deps.pacer.beforePost(p.channel);
  await claimPost(deps.pool, claim);
  try {
    const posted = await paced(deps, () =>
      deps.slack.postMessage({
        ...msg,
        channel: p.channel,
        ...(p.threadTs ? { threadTs: p.threadTs } : {}),
        metadata: { event_type: POST_EVENT_TYPE, event_payload: p.marker },
      }),
    );
    return { ts: posted.ts, adopted: false };
  } catch (err) {
    if (definitelyNotPosted(err)) await setClaim(found);
    throw err;
  }
}

export async function update(deps: Deps, channel: string, ts: string, msg: OutgoingMessage) {
  await deps.pacer.beforeUpdate(channel);
  return paced(deps, () => deps.slack.updateMessage({ ...msg, channel, ts }));
}
