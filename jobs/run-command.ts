import { z } from 'zod';
import { runCommandJob } from '../src/commands/run.ts';
import { defineJob } from '../src/queue/jobs.ts';
import { reportSchema } from '../src/report/schema.ts';

/** A slash command accepted by the HTTP handler, run by a worker and answered through response_url. */
export const runCommandData = z.object({
  command: z.string().min(1),
  text: z.string().max(4_000),
  userId: z.string().min(1),
  teamId: z.string().optional(),
  channelId: z.string().optional(),
  threadTs: z.string().optional(),
  responseUrl: z.url().optional(),
  source: z.enum(['slack', 'button', 'schedule', 'incident']).default('slack'),
  /** Run in an incident's thread: the run is recorded in its timeline once delivered. */
  incidentId: z.number().int().positive().optional(),
  /** Enqueued together with its rate-limit check: dropped when the check marked it refused. */
  refusable: z.boolean().optional(),
  /** When Slack sent the command (ms), for the end-to-end latency metric. */
  receivedAt: z.number().int().positive(),
  /**
   * The redacted result, kept once computed so a retry after a failed delivery delivers it
   * instead of running the command again (a backup must not run twice because Slack hiccuped).
   */
  result: z
    .object({
      report: reportSchema,
      outcome: z.enum(['ok', 'failed']),
      detail: z.string().optional(),
    })
    .optional(),
});

export default defineJob({
  name: 'run-command',
  queue: 'commands',
  data: runCommandData,
  options: { attempts: 4, backoff: { type: 'exponential', delay: 1_000 } },
  async run(data, deps, job, token) {
    return runCommandJob(deps, data, job, token);
  },
});
