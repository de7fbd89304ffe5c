import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Alertmanager webhook payload, version 4 (alertmanager 0.25–0.34), and Grafana's webhook contact
 * point, version 1, which has the same shape plus Grafana's own fields. Unknown and newer fields
 * (`notification_reason`, `routeLabels`, ...) are accepted and ignored; only what the bot cannot do
 * without is required, so a body is refused (400) only when it can never be accepted.
 */
const labelMap = z.record(z.string(), z.string());

/** Alertmanager's "zero time" for a firing alert's endsAt. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Years 1–9999: RFC 3339's range, Alertmanager's zero time included; PostgreSQL stores all of it. */
const MIN_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

const timestamp = z.string().refine((v) => {
  const ms = Date.parse(v);
  return !Number.isNaN(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}, 'expected an RFC 3339 timestamp between the years 1 and 9999');

/** Alertmanager's payload is 4 levels deep; unknown fields kept with it get some room, not unbounded. */
export const MAX_NESTING = 32;

/** Whether `value` nests objects/arrays deeper than `max` (iterative: no stack to overflow). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export const alertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels: labelMap,
    annotations: labelMap.default({}),
    startsAt: timestamp,
    endsAt: timestamp.optional().default(ZERO_TIME),
    generatorURL: z.string().optional().default(''),
    fingerprint: z.string().min(1).max(200),
  })
  .passthrough();

export const webhookSchema = z
  .object({
    // "4": Alertmanager; "1": Grafana-managed alerts (the webhook contact point adds orgId, state,
    // title, message and per-alert values, silenceURL, dashboardURL, panelURL, kept as they come).
    version: z
      .string()
      .refine(
        (v) => v === '4' || v === '1',
        'only webhook payload versions "4" (Alertmanager) and "1" (Grafana) are supported',
      ),
    groupKey: z.string().min(1).max(10_000),
    truncatedAlerts: z.number().int().min(0).optional().default(0),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().optional().default(''),
    groupLabels: labelMap.default({}),
    commonLabels: labelMap.default({}),
    commonAnnotations: labelMap.default({}),
    externalURL: z.string().optional().default(''),
    alerts: z.array(alertSchema).max(100_000),
  })
  .passthrough();

export type WebhookPayload = z.output<typeof webhookSchema>;
export type WebhookAlert = z.output<typeof alertSchema>;

export type ParseResult = { ok: true; payload: WebhookPayload } | { ok: false; message: string };

/** Validates a parsed JSON body; the message names the first offending field. */
export function parseWebhook(body: unknown): ParseResult {
  // Stored as JSON (jsonb) and serialised again: a deeply nested body would overflow both.
  if (nestsDeeperThan(body, MAX_NESTING)) {
    return { ok: false, message: `nested deeper than ${MAX_NESTING} levels` };
  }
  const r = webhookSchema.safeParse(body);
  if (r.success) return { ok: true, payload: r.data.version === '1' ? fromGrafana(r.data) : r.data };
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return { ok: false, message: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid payload'}` };
}

/** Grafana's per-alert dashboardURL becomes the `dashboard_url` annotation the root links to. */
function fromGrafana(p: WebhookPayload): WebhookPayload {
  return {
    ...p,
    alerts: p.alerts.map((a) => {
      const dashboard = typeof a.dashboardURL === 'string' ? a.dashboardURL : '';
      return dashboard && !a.annotations.dashboard_url
        ? { ...a, annotations: { ...a.annotations, dashboard_url: dashboard } }
        : a;
    }),
  };
}

/**
 * Identifies a notification's content: sha256 of groupKey + sorted `fingerprint:status:startsAt`.
 * HA pairs, retries and repeats of the same content share it.
 */
export function dedupKey(p: Pick<WebhookPayload, 'groupKey' | 'alerts'>): string {
  const parts = p.alerts.map((a) => `${a.fingerprint}:${a.status}:${normalizeTime(a.startsAt)}`).sort();
  return createHash('sha256').update(p.groupKey).update('\n').update(parts.join('\n')).digest('hex');
}

/** A stable hash of the opaque groupKey (for ids where ':' and quotes are not allowed). */
export function groupHash(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, 32);
}

/** Timestamps compared by instant, not by spelling (Alertmanager versions differ in precision). */
export function normalizeTime(v: string): string {
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? v : new Date(ms).toISOString();
}

/** endsAt as a Date, or undefined for Alertmanager's zero time. */
export function endsAtOf(a: Pick<WebhookAlert, 'endsAt'>): Date | undefined {
  const ms = Date.parse(a.endsAt);
  if (Number.isNaN(ms) || ms <= 0 || a.endsAt.startsWith('0001-')) return undefined;
  return new Date(ms);
}
