import { z } from 'zod';
import { DURATION_PATTERN } from './duration.ts';

const duration = z.string().regex(DURATION_PATTERN, 'expected a duration like 30m, 2h or 7d');

/**
 * The `diagnostics:` section of CONFIG_FILE. Log field names follow the manual's Filebeat/ECS-style
 * documents (`service`, `level`, `message`, `trace_id`, `@timestamp`).
 */
export const diagnosticsSchema = z
  .object({
    /** Window of Prometheus rate() and histogram_quantile() in /status. */
    rateWindow: z
      .string()
      .regex(/^\d+[smh]$/, 'expected a Prometheus range like 5m')
      .default('5m'),
    logs: z
      .object({
        defaultSince: duration.default('30m'),
        maxSince: duration.default('7d'),
        defaultLimit: z.number().int().min(1).max(200).default(50),
        /** Search timeout (ms). */
        timeoutMs: z.number().int().min(500).max(60_000).default(10_000),
        fields: z
          .object({
            service: z.string().min(1).default('service'),
            level: z.string().min(1).default('level'),
            message: z.string().min(1).default('message'),
            traceId: z.string().min(1).default('trace_id'),
          })
          .prefault({}),
      })
      .prefault({}),
    slowquery: z
      .object({
        defaultLimit: z.number().int().min(1).max(50).default(10),
        /** Characters of query text shown per statement. */
        queryChars: z.number().int().min(40).max(2_000).default(240),
      })
      .prefault({}),
  })
  .prefault({});

export type DiagnosticsConfig = z.infer<typeof diagnosticsSchema>;
