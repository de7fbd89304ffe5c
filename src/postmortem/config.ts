import { z } from 'zod';

/** `postmortem:` in CONFIG_FILE: follow-up reminders and the optional issue tracker. */
export const postmortemFileSchema = z
  .object({
    followups: z
      .object({
        /** The owner's first reminder: this long before the end of the due day (UTC). */
        remindBeforeSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(86_400),
        /** The overdue reminder: this long after the end of the due day. */
        remindAfterSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(0),
        /** How often due reminders are looked for (seconds). */
        checkEverySeconds: z.number().int().min(1).max(3_600).default(300),
      })
      .default({ remindBeforeSeconds: 86_400, remindAfterSeconds: 0, checkEverySeconds: 300 }),
    /**
     * Each new follow-up is POSTed as JSON to this URL (an issue tracker's webhook or a small
     * adapter), retried until it answers 2xx. `token` is sent as `Authorization: Bearer`.
     */
    tracker: z
      .object({
        url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
        token: z.string().min(1).optional(),
      })
      .optional(),
  })
  .default({ followups: { remindBeforeSeconds: 86_400, remindAfterSeconds: 0, checkEverySeconds: 300 } });

export type PostmortemConfig = z.output<typeof postmortemFileSchema>;
