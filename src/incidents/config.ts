import { z } from 'zod';
import { DEFAULT_EVIDENCE, evidenceSchema } from './evidence-config.ts';

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];
const sevSchema = z.enum(SEVERITIES);

/** The manual's `critical` pages everyone; `warning` is worked in hours. */
export const DEFAULT_SEVERITIES: Record<string, Severity> = {
  critical: 'SEV1',
  error: 'SEV2',
  warning: 'SEV3',
  info: 'SEV4',
};

/**
 * `incidents:` in CONFIG_FILE. Everything has a default; the checklist itself is the top-level
 * `checklist:` (shared with other features), defaulting to the manual's `incident_response`.
 */
export const incidentsFileSchema = z
  .object({
    /** A resolved group that fires again within this window reopens its thread (flapping). */
    flapWindowMinutes: z
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(30),
    /** Largest accepted /alerts body. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1_024)
      .max(64 * 1024 * 1024)
      .default(5 * 1024 * 1024),
    storm: z
      .object({
        /** More new incidents than this in one channel within `windowSeconds` → storm mode. */
        maxNewIncidents: z.number().int().min(1).max(10_000).default(10),
        windowSeconds: z.number().int().min(1).max(86_400).default(60),
        /** Groups listed per storm message before another storm message starts. */
        groupsPerMessage: z.number().int().min(5).max(20_000).default(1_000),
      })
      .default({ maxNewIncidents: 10, windowSeconds: 60, groupsPerMessage: 1_000 }),
    /** chat.postMessage pacing per channel, shared by every replica (Slack: about 1/s). */
    postsPerSecond: z.number().min(0.1).max(50).default(1),
    /** How often the sweep re-drives incidents not in sync (cron seconds field). */
    sweepEverySeconds: z.number().int().min(5).max(3_600).default(30),
    /**
     * Diagnostics posted in a new incident's thread, by alertname (replaces the defaults for the
     * alertnames it names; an empty list turns evidence off for that alert).
     */
    evidence: evidenceSchema.default({}).transform((given) => ({ ...DEFAULT_EVIDENCE, ...given })),
    /** Alert `severity` label → SEV1–SEV4 (SEV1 is the worst); other labels get `defaultSeverity`. */
    severities: z.record(z.string().min(1), sevSchema).default(DEFAULT_SEVERITIES),
    /** The severity of an alert whose label is not mapped, and of a declared incident by default. */
    defaultSeverity: sevSchema.default('SEV3'),
    /** A channel (ID) where stakeholders read one message per incident, edited with each status update. */
    stakeholderChannel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel ID like C012ABC')
      .optional(),
    /** SEV1/SEV2: remind the communications lead (or commander) when no update was posted for this long. */
    updateReminder: z
      .object({
        minutes: z
          .number()
          .min(0.05)
          .max(24 * 60)
          .default(30),
        severities: z.array(sevSchema).default(['SEV1', 'SEV2']),
        enabled: z.boolean().default(true),
      })
      .default({ minutes: 30, severities: ['SEV1', 'SEV2'], enabled: true }),
  })
  .default({
    flapWindowMinutes: 30,
    maxBodyBytes: 5 * 1024 * 1024,
    storm: { maxNewIncidents: 10, windowSeconds: 60, groupsPerMessage: 1_000 },
    postsPerSecond: 1,
    sweepEverySeconds: 30,
    evidence: DEFAULT_EVIDENCE,
    severities: DEFAULT_SEVERITIES,
    defaultSeverity: 'SEV3',
    updateReminder: { minutes: 30, severities: ['SEV1', 'SEV2'], enabled: true },
  });

export type IncidentsConfig = z.output<typeof incidentsFileSchema>;
