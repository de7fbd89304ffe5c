import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/** True when `zone` is an IANA time zone this runtime knows (Intl is the authority). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron pattern is refused, or undefined when cron-parser (BullMQ's own parser) accepts it. */
export function cronProblem(pattern: string): string | undefined {
  const fields = pattern.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    return `expected 5 cron fields (minute hour day month weekday) or 6 with seconds, got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(pattern, { strict: false });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * `digest:` in CONFIG_FILE. Defaults: 09:00 every day, Asia/Shanghai; the capacity plan is the
 * manual's `capacity_planning` (peak 1000 req/s, 200 ms average response, requests +30 %/year).
 */
export const digestFileSchema = z
  .object({
    enabled: z.boolean().default(true),
    cron: z
      .string()
      .trim()
      .default('0 9 * * *')
      .superRefine((v, ctx) => {
        const problem = cronProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron "${v}": ${problem}` });
      }),
    timezone: z
      .string()
      .trim()
      .default('Asia/Shanghai')
      .refine(isTimeZone, { message: 'unknown time zone; expected an IANA name like Asia/Shanghai' }),
    /** Prometheus job selector for the Services section. */
    jobs: z.string().min(1).default('laojun-.*'),
    /** Time budget of each Prometheus query, ms. */
    queryTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
    capacity: z
      .object({
        peakRps: z.number().positive().default(1000),
        avgResponseMs: z.number().positive().default(200),
        requestGrowthPerYear: z.number().min(0).max(10).default(0.3),
      })
      .default({ peakRps: 1000, avgResponseMs: 200, requestGrowthPerYear: 0.3 }),
    /** The manual's disk alert threshold (DiskSpaceHigh). */
    diskThreshold: z.number().gt(0).lt(1).default(0.85),
  })
  .default({
    enabled: true,
    cron: '0 9 * * *',
    timezone: 'Asia/Shanghai',
    jobs: 'laojun-.*',
    queryTimeoutMs: 10_000,
    capacity: { peakRps: 1000, avgResponseMs: 200, requestGrowthPerYear: 0.3 },
    diskThreshold: 0.85,
  });

export type DigestConfig = z.output<typeof digestFileSchema>;

/** The digest settings of a loaded configuration (defaults when the file has none). */
export function digestConfig(file: { digest?: unknown }): DigestConfig {
  return digestFileSchema.parse(file.digest);
}
