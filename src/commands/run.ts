import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Deps } from '../deps.ts';
import { newRef, UserError } from '../errors.ts';
import { recordCommandEvent } from '../incidents/timeline.ts';
import { deferIfRateLimited } from '../queue/defer.ts';
import { mapReportText, type Report } from '../report/report.ts';
import { deliverReport } from '../slack/deliver.ts';
import { isPermanentSlackError } from '../slack/errors.ts';

/** A command to run, as the pipeline (or a button, or an incident's evidence) enqueued it. */
export interface CommandRun {
  command: string;
  text: string;
  userId: string;
  teamId?: string;
  channelId?: string;
  threadTs?: string;
  responseUrl?: string;
  source: 'slack' | 'button' | 'schedule' | 'incident';
  /** Run in an incident's thread: the run is recorded in its timeline once delivered. */
  incidentId?: number;
  /** When Slack sent the command (ms), for the end-to-end latency metric. */
  receivedAt: number;
  /** The redacted result, kept once computed (see runCommandJob). */
  result?: { report: Report; outcome: 'ok' | 'failed'; detail?: string };
}

/**
 * Runs one accepted command in a worker and answers through its response_url (or in the channel or
 * thread): parse → run (the two tiers of errors: a UserError is shown, anything else logged with a
 * reference) → keep the redacted result in the job → deliver → timeline → audit. A retry after a
 * failed delivery delivers the kept result instead of running the command again (a backup must not
 * run twice because Slack hiccuped).
 */
export async function runCommandJob(
  deps: Deps,
  data: CommandRun,
  job: Job,
  token: string | undefined,
): Promise<unknown> {
  const command = deps.commands.get(data.command);
  if (!command) throw new UnrecoverableError(`unknown command ${data.command}`);
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
    }).catch((err) => deps.logger.warn({ err, incidentId: data.incidentId }, 'timeline write failed'));
  }
  deps.metrics.commands.inc({ command: command.name, outcome });
  deps.metrics.commandDuration.observe({ command: command.name }, (Date.now() - data.receivedAt) / 1000);
  await deps.audit
    .record({ ...audit, outcome, detail, durationMs: Date.now() - started })
    .catch((err) => deps.logger.warn({ err }, 'audit write failed'));
  return { outcome };
}
