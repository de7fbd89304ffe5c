import { Counter, Histogram, type Registry } from 'prom-client';

/** Metrics of on call: how late steps fire against their due time, and what was paged. */
export function createOncallMetrics(registry: Registry) {
  return {
    stepLateness: new Histogram({
      name: 'laojun_oncall_page_lateness_seconds',
      help: 'How long after its due time an escalation step or reminder fired',
      labelNames: ['kind'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    pages: new Counter({
      name: 'laojun_oncall_pages_total',
      help: 'Escalation steps and reminders by outcome (fired, or cancelled with the reason)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'laojun_oncall_deliveries_total',
      help: 'Direct messages and outbound webhooks of fired pages by outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
  };
}

export type OncallMetrics = ReturnType<typeof createOncallMetrics>;
