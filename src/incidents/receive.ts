import type { Deps } from '../deps.ts';
import { observeIncidentTime } from '../postmortem/metrics.ts';
import { withTimeout } from '../queue/connection.ts';
import { Slots } from '../store/slots.ts';
import { enqueueSyncs } from './enqueue.ts';
import { type IntakeResult, intake } from './intake.ts';
import type { WebhookPayload } from './payload.ts';

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
  return async (payload, channel) => {
    const result = await slots.run(() =>
      intake(deps.pool, payload, { channel, now: deps.now(), config: deps.config.file.incidents }),
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
