import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * `oncall:` in CONFIG_FILE: schedules (layers of rotations in a time zone), which alerts each
 * covers, escalation policies per severity and reminders. Off (no notification, no escalation)
 * when the section is absent. Every problem is refused at start with the setting's path.
 */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const DURATION = /^(\d{1,6})(s|m|h|d|w)$/;

/** `30s`, `5m`, `12h`, `1d`, `1w` → milliseconds. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const duration = (what: string, min = 0) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? v * 60_000 : durationMs(v);
    if (ms === undefined || ms < min) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} like 30s, 5m, 12h, 1d or 1w${min ? ` (at least ${min / 1000}s)` : ''}`,
      });
      return z.NEVER;
    }
    return ms;
  });

export const userIdSchema = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user ID like U012ABC (an ID, not a name)');
const groupId = z
  .string()
  .regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user-group ID like S012ABC (an ID, not a name)');

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day like 09:00 (24-hour HH:MM)');

const timeZone = z
  .string()
  .refine((v) => IANAZone.isValidZone(v), 'expected an IANA time zone like Asia/Shanghai or Europe/Berlin');

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2024-11-04')
  .refine((v) => DateTime.fromISO(v).isValid, 'expected a valid date like 2024-11-04');

const layerSchema = z.object({
  name: z.string().min(1).max(60).optional(),
  /** Participants in rotation order. */
  users: z.array(userIdSchema).min(1, 'a rotation needs at least one participant'),
  /** Length of one shift: whole days/weeks hand off at `handoff` local time (DST-proof), hours are exact. */
  rotation: duration('a rotation length', 3_600_000),
  /** Local time of the hand-off. */
  handoff: clock.default('09:00'),
  /** The date the first participant's first shift starts (at `handoff`, in the schedule's zone). */
  start: isoDate.default('2024-01-01'),
  /** Only these hours (and weekdays, 1 = Monday) of the week; other times fall to the layers below. */
  restrict: z
    .object({
      from: clock,
      to: clock,
      weekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
    })
    .optional(),
});
export type LayerConfig = z.output<typeof layerSchema>;

const scheduleSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a lowercase schedule name like platform'),
  timeZone,
  /** Layers from bottom to top: a higher layer that covers a moment wins it. */
  layers: z.array(layerSchema).min(1, 'a schedule needs at least one layer'),
  /** Alert labels this schedule covers (`service` also matches the configured service of a `job`). */
  covers: z
    .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.array(z.string().min(1)).min(1))
    .default({}),
  /** A Slack user group kept in step with whoever is on call (usergroups.users.update). */
  userGroup: groupId.optional(),
});
export type ScheduleConfig = z.output<typeof scheduleSchema>;

export const TARGET_PATTERN =
  /^(primary|secondary|here|channel|usergroup|usergroup:S[A-Z0-9]{2,}|user:[UW][A-Z0-9]{2,})$/;

const stepSchema = z.object({
  /** Time after the incident opened. */
  after: duration('a delay'),
  notify: z
    .string()
    .regex(
      TARGET_PATTERN,
      'expected primary, secondary, here, channel, usergroup (the opsGroup), usergroup:S012ABC or user:U012ABC (IDs, not names)',
    ),
  /** Also POST the step to this URL (a phone or SMS gateway). */
  webhook: z
    .object({
      url: z.string().url(),
      /** Environment variable holding the bearer token (secrets stay out of the file). */
      tokenEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
        .optional(),
    })
    .optional(),
});
export type StepConfig = z.output<typeof stepSchema> & { token?: string };

const policySchema = z
  .array(stepSchema)
  .min(1)
  .max(10)
  .refine((steps) => steps.every((s, i) => i === 0 || s.after >= (steps[i - 1]?.after ?? 0)), {
    message: 'steps must be in order of their delay',
  });

const min = 60_000;
/** The defaults: critical pages at once and climbs fast to @here; others climb slower, without @here. */
export const DEFAULT_POLICIES: Record<string, StepConfig[]> = {
  critical: [
    { after: 0, notify: 'primary' },
    { after: 5 * min, notify: 'secondary' },
    { after: 10 * min, notify: 'usergroup' },
    { after: 15 * min, notify: 'here' },
  ],
  default: [
    { after: 0, notify: 'primary' },
    { after: 15 * min, notify: 'secondary' },
    { after: 30 * min, notify: 'usergroup' },
  ],
};

export const oncallFileSchema = z
  .object({
    schedules: z.array(scheduleSchema).min(1, 'declare at least one schedule'),
    /** The schedule for alerts no schedule covers (default: the first). */
    fallback: z.string().optional(),
    /** The ops user group the default policies escalate to (`usergroup` step without an ID). */
    opsGroup: groupId.optional(),
    /** Steps per severity (`SEV1`…`SEV4`, else the severity label); `default` for every other severity. */
    policies: z.record(z.string().min(1), policySchema).default({}),
    reminders: z
      .object({
        /** An acknowledged incident still firing after this gets a reminder in its thread... */
        after: duration('a delay', 1_000).default(30 * min),
        /** ...and again at this interval. */
        every: duration('an interval', 1_000).default(30 * min),
        enabled: z.boolean().default(true),
      })
      .default({ after: 30 * min, every: 30 * min, enabled: true }),
    /** An open incident with no timeline activity for this long is listed in the daily digest. */
    quietAfter: duration('a duration', 60_000).default(4 * 60 * min),
    /** The checklist item the bot ticks when it has notified the on-call person. */
    checklistItem: z.string().min(1).default('通知相关人员'),
    /** How often each worker looks for due steps (PostgreSQL holds the timers). */
    tickSeconds: z.number().min(0.2).max(60).default(1),
  })
  .superRefine((o, ctx) => {
    const names = new Set<string>();
    o.schedules.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'name'],
          message: `duplicate schedule ${s.name}`,
        });
      names.add(s.name);
    });
    if (o.fallback !== undefined && !names.has(o.fallback)) {
      ctx.addIssue({ code: 'custom', path: ['fallback'], message: `no schedule named ${o.fallback}` });
    }
    for (const [sev, steps] of Object.entries(o.policies)) {
      steps.forEach((s, i) => {
        if (s.notify === 'usergroup' && !o.opsGroup) {
          ctx.addIssue({ code: 'custom', path: ['policies', sev, i, 'notify'], message: 'set opsGroup' });
        }
      });
    }
  })
  .optional();

export type OncallConfig = NonNullable<z.output<typeof oncallFileSchema>>;

/** The steps for a severity: configured, else the defaults (a `usergroup` step without opsGroup is dropped). */
export function policyFor(config: OncallConfig, severity: string, sev?: number | null): StepConfig[] {
  const steps =
    (sev ? config.policies[`SEV${sev}`] : undefined) ??
    config.policies[severity] ??
    config.policies.default ??
    DEFAULT_POLICIES[severity] ??
    DEFAULT_POLICIES.default ??
    [];
  return steps.filter((s) => s.notify !== 'usergroup' || config.opsGroup);
}

/**
 * Reads each webhook's bearer token from its environment variable; returns the tokens (secrets to
 * redact). Throws with the setting's path when a variable is not set.
 */
export function resolveWebhookTokens(config: OncallConfig, env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = [];
  for (const [sev, steps] of Object.entries(config.policies)) {
    steps.forEach((s: StepConfig, i) => {
      const name = s.webhook?.tokenEnv;
      if (!name) return;
      const v = env[name]?.trim();
      if (!v) throw new Error(`oncall.policies.${sev}.${i}.webhook.tokenEnv: ${name} is not set`);
      s.token = v;
      secrets.push(v);
    });
  }
  return secrets;
}
