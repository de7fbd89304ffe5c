import { Counter, Histogram, type Registry } from 'prom-client';
import type { Config } from '../config.ts';
import { serviceOf } from '../incidents/evidence-config.ts';

/** Seconds: 30 s to 1 day, where acknowledgement and resolution times of this team fall. */
const BUCKETS = [30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400];

/** Metrics of the post-incident phase: MTTA/MTTR as histograms, reminders and tracker deliveries. */
export function createPostmortemMetrics(registry: Registry) {
  return {
    timeToAck: new Histogram({
      name: 'laojun_incident_time_to_acknowledge_seconds',
      help: 'Time from an incident starting to its acknowledgement, by alert name and service (MTTA)',
      labelNames: ['alertname', 'service'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
    timeToResolve: new Histogram({
      name: 'laojun_incident_time_to_resolve_seconds',
      help: 'Time from an incident starting to its resolution, by alert name and service (MTTR)',
      labelNames: ['alertname', 'service'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
    followupReminders: new Counter({
      name: 'laojun_followup_reminders_total',
      help: 'Follow-up reminders DMed to owners by kind (before, after) and outcome (sent, retry, unknown)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    trackerDeliveries: new Counter({
      name: 'laojun_followup_tracker_deliveries_total',
      help: 'Follow-ups sent to the issue tracker webhook by outcome (ok, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type PostmortemMetrics = ReturnType<typeof createPostmortemMetrics>;

/** Observes an incident's time to acknowledge or resolve (labels: its alert name and service). */
export function observeIncidentTime(
  metrics: PostmortemMetrics,
  config: Pick<Config, 'services'>,
  which: 'ack' | 'resolve',
  incident: { alertname: string; labels: Record<string, string> },
  ms: number,
): void {
  const service =
    serviceOf(incident.labels, config.services) ?? incident.labels.service ?? incident.labels.job ?? '';
  const h = which === 'ack' ? metrics.timeToAck : metrics.timeToResolve;
  h.observe(
    { alertname: incident.alertname.slice(0, 100), service: service.slice(0, 100) },
    Math.max(0, ms) / 1000,
  );
}
