import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { newRef, UserError } from '../src/errors.ts';
import { recordCommandEvent } from '../src/incidents/timeline.ts';
import { deferIfRateLimited } from '../src/queue/defer.ts';
import { defineJob } from '../src/queue/jobs.ts';
import { takeRefusal } from '../src/queue/refused.ts';
import { mapReportText, type Report } from '../src/report/report.ts';
import { deliverReport } from '../src/slack/deliver.ts';
import { isPermanentSlackError } from '../src/slack/errors.ts';

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
      report: z.custom<Report>((v) => typeof v === 'object' && v !== null && 'title' in v),
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
    const command = deps.commands.get(data.command);
    if (!command) throw new UnrecoverableError(`unknown command ${data.command}`);
    // Over the rate limit: the user was told so in the acknowledgement; nothing runs.
    if (data.refusable && job.id && (await takeRefusal(deps.queues.connection, deps.queues.prefix, job.id))) {
      return { refused: 'rate_limited' };
    }
    const started = Date.now();
    const audit = {
      userId: data.userId,
      teamId: data.teamId,
      channelId: data.channelId,
      command: command.name,
      arguments: deps.redact(data.text),
      source: data.source,
      jobId: job.id,
    };

    let report: Report;
    let outcome: 'ok' | 'failed' = 'ok';
    let detail: string | undefined;
    if (data.result) {
      ({ report, outcome, detail } = data.result);
    } else {
      const parsed = deps.commands.parse(command, data.text, deps);
      if (parsed.kind !== 'ok') throw new UnrecoverableError(`arguments no longer valid for ${command.name}`);
      try {
        report = await command.run(parsed.args, {
          deps,
          user: { id: data.userId, teamId: data.teamId },
          channelId: data.channelId,
          threadTs: data.threadTs,
          source: data.source,
          jobId: job.id,
        });
      } catch (err) {
        outcome = 'failed';
        if (err instanceof UserError) {
          detail = err.message;
          report = {
            title: `/${command.name}`,
            tone: 'warn',
            summary: err.message,
            ...(err.hint ? { context: [err.hint] } : {}),
          };
        } else {
          const ref = newRef();
          detail = `ref ${ref}`;
          deps.logger.error({ ref, command: command.name, jobId: job.id, err }, 'command failed');
          report = { title: `/${command.name}`, tone: 'error', summary: deps.t('common.failedRef', { ref }) };
        }
      }
      // Job data never holds secrets: the kept result is redacted, and its raw data dropped.
      const kept = { ...mapReportText(report, deps.redact), data: undefined };
      await job.updateData({ ...data, result: { report: kept, outcome, ...(detail ? { detail } : {}) } });
    }

    try {
      await deliverReport(
        deps,
        {
          responseUrl: data.responseUrl,
          channelId: data.channelId,
          userId: data.userId,
          threadTs: data.threadTs,
        },
        report,
      );
    } catch (err) {
      if (isPermanentSlackError(err)) {
        deps.logger.error({ err, command: command.name, jobId: job.id }, 'answer could not be delivered');
        await deps.audit.record({
          ...audit,
          outcome: 'failed',
          detail: 'undeliverable',
          durationMs: Date.now() - started,
        });
        throw new UnrecoverableError((err as Error).message);
      }
      return deferIfRateLimited(err, job, token);
    }

    if (data.incidentId !== undefined) {
      await recordCommandEvent(deps, data.incidentId, {
        jobId: String(job.id),
        command: command.name,
        text: audit.arguments,
        userId: data.userId,
        outcome,
        title: report.title,
      }).catch((err) =>
        deps.logger.warn(
          { err: (err as Error).message, incidentId: data.incidentId },
          'timeline write failed',
        ),
      );
    }
    deps.metrics.commands.inc({ command: command.name, outcome });
    deps.metrics.commandDuration.observe({ command: command.name }, (Date.now() - data.receivedAt) / 1000);
    await deps.audit
      .record({ ...audit, outcome, detail, durationMs: Date.now() - started })
      .catch((err) => deps.logger.warn({ err: (err as Error).message }, 'audit write failed'));
    return { outcome };
  },
});
