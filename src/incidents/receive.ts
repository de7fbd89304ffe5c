import { LRUCache } from 'lru-cache';
import type { Deps } from '../deps.ts';
import { observeIncidentTime } from '../postmortem/metrics.ts';
import { withTimeout } from '../queue/connection.ts';
import { Slots } from '../store/slots.ts';
import { enqueueSyncs } from './enqueue.ts';
import { type IntakeResult, intake } from './intake.ts';
import { dedupKey, type WebhookPayload } from './payload.ts';

/** How long a notification waits for Redis before it is answered anyway (the sweep re-drives the sync). */
const ENQUEUE_TIMEOUT_MS = 250;

/**
 * Receives alert notifications (Alertmanager, Grafana): stores each with the incident state it
 * implies (intake, one transaction), then enqueues what intake says must be synced with Slack (the
 * incident's thread, or the storm message listing it). Throws only when the notification could not
 * be stored; a sync not enqueued is left to the sweep.
 */
export function notificationReceiver(
  deps: Deps,
): (payload: WebhookPayload, channel: string) => Promise<IntakeResult> {
  // In a storm Alertmanager sends hundreds of notifications at once: their transactions may use all
  // but 3 of the pool's connections, so the workers posting to Slack never queue behind them.
  const slots = new Slots(Math.max(1, (deps.pool.options.max ?? 10) - 3));
  const seen = new SeenNotifications();
  return async (payload, channel) => {
    const key = dedupKey(payload);
    const result = await seen.once(key, () =>
      slots.run(() =>
        intake(deps.pool, payload, { channel, now: deps.now(), config: deps.config.file.incidents }, key),
      ),
    );
    if (result.outcome !== 'stored') return result;
    if (result.resolved) {
      observeIncidentTime(
        deps.metrics.postmortem,
        deps.config,
        'resolve',
        result.resolved,
        result.resolved.ms,
      );
    }
    await withTimeout(enqueueSyncs(deps, result.sync), ENQUEUE_TIMEOUT_MS, 'enqueue').catch((err) =>
      deps.logger.warn(
        { incidentId: result.incidentId, stormId: result.stormId, err },
        'sync not enqueued; the sweep will catch up',
      ),
    );
    return result;
  };
}

/** How many stored notifications this process remembers, and for how long. */
const SEEN_MAX = 20_000;
const SEEN_TTL_MS = 60 * 60_000;

/**
 * The notifications this process has stored (their dedup keys), and those it is storing now. A
 * delivery of one of them again is answered as the duplicate it is without a transaction: an
 * Alertmanager HA pair delivers every notification twice, and one whose answer took longer than its
 * timeout (10 s) is delivered again at the next group interval. In a 5,000-group storm those came to
 * 9,472 deliveries beside the 5,000 that were new, each a transaction waiting for a connection.
 * A delivery arriving while the first is still being stored waits for it. The database stays the
 * authority: whatever this process has not seen (another replica's, a restart's) goes there.
 */
export class SeenNotifications {
  private readonly stored = new LRUCache<string, true>({ max: SEEN_MAX, ttl: SEEN_TTL_MS });
  private readonly storing = new Map<string, Promise<unknown>>();

  async once(key: string, store: () => Promise<IntakeResult>): Promise<IntakeResult> {
    const duplicate: IntakeResult = { outcome: 'duplicate', dedupKey: key };
    if (this.stored.has(key)) return duplicate;
    const pending = this.storing.get(key);
    // The first delivery's outcome decides: stored (or ignored, also a row), so this one is a
    // duplicate; failed, so this one tries itself.
    if (
      pending &&
      (await pending.then(
        () => true,
        () => false,
      ))
    )
      return duplicate;
    const attempt = store();
    this.storing.set(key, attempt);
    try {
      const result = await attempt;
      this.stored.set(key, true);
      return result;
    } finally {
      if (this.storing.get(key) === attempt) this.storing.delete(key);
    }
  }
}
