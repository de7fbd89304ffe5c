import { z } from 'zod';
import type { ServiceConfig } from '../config.ts';

/** One diagnostic run into a new incident's thread: a bot command and its arguments (a template). */
const evidenceItem = z.object({
  command: z.enum(['status', 'logs', 'slowquery', 'disk']),
  /** `{{label}}` is replaced by the alert's label; `{{service}}` by the configured service of its job. */
  args: z
    .string()
    .max(200)
    .regex(/^[^\n\r]*$/, 'one line')
    .default(''),
});
export type EvidenceItem = z.output<typeof evidenceItem>;

/** `incidents.evidence` in CONFIG_FILE: alertname → the diagnostics to post in its thread. */
export const evidenceSchema = z.record(
  z.string().min(1).max(200),
  z.array(evidenceItem).max(10, 'at most 10 diagnostics per alert'),
);
export type EvidenceConfig = z.output<typeof evidenceSchema>;

/** The evidence key of incidents declared by hand (they have no alertname of their own). */
export const DECLARED_EVIDENCE = 'Declared';

export const DEFAULT_EVIDENCE: EvidenceConfig = {
  [DECLARED_EVIDENCE]: [
    { command: 'status', args: '{{service}}' },
    { command: 'logs', args: '{{service}} --level error --limit 10' },
  ],
  ServiceDown: [
    { command: 'status', args: '{{service}}' },
    { command: 'logs', args: '{{service}} --level error --limit 10' },
  ],
  HighErrorRate: [
    { command: 'logs', args: '{{service}} --level error --limit 10' },
    { command: 'status', args: '{{service}}' },
  ],
  HighResponseTime: [
    { command: 'status', args: '{{service}}' },
    { command: 'slowquery', args: '--sort mean --limit 5' },
  ],
  DatabaseConnectionHigh: [
    { command: 'slowquery', args: 'connections' },
    { command: 'slowquery', args: 'locks' },
    { command: 'slowquery', args: '--limit 5' },
  ],
  DiskSpaceHigh: [{ command: 'disk', args: '' }],
};

/** The user the evidence runs as (audit log, timeline). */
export const EVIDENCE_USER = 'laojun-bot';

/** The configured service an alert concerns: its `service` label, or the service whose job is `job`. */
export function serviceOf(
  labels: Record<string, string>,
  services: readonly ServiceConfig[],
): string | undefined {
  const byName = labels.service && services.find((s) => s.name === labels.service);
  if (byName) return byName.name;
  const job = labels.job;
  if (!job) return undefined;
  return services.find((s) => (s.job ?? s.name) === job || s.name === job)?.name;
}
