import { z } from 'zod';
import { DEFAULT_EVIDENCE, evidenceSchema } from './evidence-config.ts';

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
  })
  .default({
    flapWindowMinutes: 30,
    maxBodyBytes: 5 * 1024 * 1024,
    storm: { maxNewIncidents: 10, windowSeconds: 60, groupsPerMessage: 1_000 },
    postsPerSecond: 1,
    sweepEverySeconds: 30,
    evidence: DEFAULT_EVIDENCE,
  });

export type IncidentsConfig = z.output<typeof incidentsFileSchema>;
