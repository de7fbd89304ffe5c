import { z } from 'zod';
import { backupSettings, configuredTargets, TARGETS } from '../src/backup/config.ts';
import { postToDigest } from '../src/backup/notify.ts';
import { runReport } from '../src/backup/report.ts';
import { primeBackupMetrics, runBackups } from '../src/backup/run.ts';
import { deferIfRateLimited } from '../src/queue/defer.ts';
import { defineJob } from '../src/queue/jobs.ts';
import { keepReport } from '../src/queue/keep.ts';
import { reportSchema } from '../src/report/schema.ts';

/**
 * The nightly backup (a BullMQ job scheduler: one run per tick across replicas), reported to
 * SLACK_DIGEST_CHANNEL. The finished report is kept in the job's data before posting, so a Slack
 * rate limit or outage retries the post, never the backup.
 */
export default defineJob({
  name: 'backup-nightly',
  queue: 'maintenance',
  data: z.object({
    targets: z.array(z.enum(TARGETS)).min(1).optional(),
    /** Set once the backups ran: what remains is posting it. */
    report: reportSchema.optional(),
  }),
  options: { attempts: 4, backoff: { type: 'exponential', delay: 30_000 } },
  schedule(deps) {
    const settings = backupSettings(deps.config);
    // Every worker process passes here at start: set the last-success gauges from history.
    void primeBackupMetrics(deps, configuredTargets(deps.config)).catch(() => {});
    if (!settings.schedule.enabled || !settings.target) return undefined;
    return {
      pattern: settings.schedule.cron,
      tz: settings.schedule.tz,
      data: settings.schedule.targets ? { targets: settings.schedule.targets } : {},
    };
  },
  async run(data, deps, job, token) {
    const report = await keepReport(job, data, deps.redact, async () => {
      const targets = data.targets ?? configuredTargets(deps.config);
      const results = await runBackups(deps, targets, { trigger: 'schedule', jobId: job.id });
      const computed = runReport(results, deps.t, { nightly: true });
      if (computed.tone === 'error') deps.logger.error({ report: computed.data }, 'nightly backup failed');
      return computed;
    });
    try {
      await postToDigest(deps, report);
    } catch (err) {
      return deferIfRateLimited(err, job, token);
    }
    return { tone: report.tone };
  },
});
