import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { syncGauges } from './store.ts';

/**
 * Metrics of incident threads. Slack calls by method and outcome are the shared
 * `laojun_slack_calls_total` (outcome `rate_limited` = Slack's 429s); this adds the incident side.
 * Gauges read PostgreSQL when scraped, so every replica reports the same truth.
 */
export function createIncidentMetrics(registry: Registry) {
  let pool: pg.Pool | undefined;
  const gauge = (name: string, help: string, read: (db: pg.Pool) => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        if (!pool) return;
        try {
          this.set(await read(pool));
        } catch {
          // PostgreSQL down: keep the last value; /readyz reports the outage.
        }
      },
    });
  return {
    /** Lets the gauges read the bot's database (called once the pool exists). */
    bind(p: pg.Pool) {
      pool = p;
    },
    alertsReceived: new Counter({
      name: 'laojun_alerts_received_total',
      help: 'Alerts received on /alerts by alert status (firing, resolved)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'laojun_alert_notifications_total',
      help: 'Alertmanager notifications by outcome (stored, duplicate, ignored, unauthorized, invalid, too_large, unavailable)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    deduplicated: new Counter({
      name: 'laojun_alert_notifications_deduplicated_total',
      help: 'Notifications ignored as exact duplicates (HA pairs, retries, repeats)',
      registers: [registry],
    }),
    paced: new Counter({
      name: 'laojun_incident_slack_paced_total',
      help: 'Slack posts deferred by the bot’s own per-channel pacing (before Slack would answer 429)',
      labelNames: ['method'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'laojun_incident_slack_rate_limited_total',
      help: 'Slack 429 answers received while syncing incidents, by method',
      labelNames: ['method'] as const,
      registers: [registry],
    }),
    uncertainPosts: new Counter({
      name: 'laojun_incident_uncertain_posts_total',
      help: 'Posts retried after an attempt whose outcome was unknown (crash or timeout between post and record)',
      registers: [registry],
    }),
    syncLag: new Histogram({
      name: 'laojun_incident_sync_lag_seconds',
      help: 'Time from a stored incident change to Slack showing it',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
    open: gauge('laojun_incidents_open', 'Incidents currently firing', syncGauges.firing),
    unsynced: gauge(
      'laojun_incidents_unsynced',
      'Incidents whose Slack messages are behind the stored state',
      syncGauges.unsynced,
    ),
    oldestUnsynced: gauge(
      'laojun_incident_sync_lag_oldest_seconds',
      'Age of the oldest change not yet shown in Slack',
      syncGauges.oldestUnsyncedSeconds,
    ),
  };
}

export type IncidentMetrics = ReturnType<typeof createIncidentMetrics>;
