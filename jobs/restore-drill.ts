import { z } from 'zod';
import { backupSettings } from '../src/backup/config.ts';
import { type DrillResult, restoreDrill } from '../src/backup/drill.ts';
import { postToDigest } from '../src/backup/notify.ts';
import { formatDuration } from '../src/backup/report.ts';
import type { Translate } from '../src/i18n/index.ts';
import { deferIfRateLimited } from '../src/queue/defer.ts';
import { defineJob } from '../src/queue/jobs.ts';
import { keepReport } from '../src/queue/keep.ts';
import type { Report } from '../src/report/report.ts';
import { reportSchema } from '../src/report/schema.ts';

export function drillReport(r: DrillResult, t: Translate): Report {
  const title = t('backup.titleDrill');
  switch (r.status) {
    case 'none':
      return { title, tone: 'warn', summary: t('backup.drillNoBackup') };
    case 'failed':
      return { title, tone: 'error', summary: t('backup.drillFailed', { error: r.error }), data: r };
    case 'mismatch':
      return {
        title,
        tone: 'error',
        summary: t('backup.drillMismatch', { count: r.mismatches.length }),
        blocks: [
          {
            kind: 'table',
            table: {
              columns: ['table', 'backup', 'restored'],
              rows: r.mismatches.map((m) => [m.table, String(m.expected ?? '—'), String(m.actual ?? '—')]),
            },
          },
        ],
        data: r,
      };
    case 'ok':
      return {
        title,
        tone: 'ok',
        summary: t('backup.drillOk', {
          database: r.database,
          tables: r.tables,
          duration: formatDuration(r.durationMs),
        }),
        ...(r.countsKnown ? {} : { context: [t('backup.drillNoCounts')] }),
        data: r,
      };
  }
}

/** The weekly restore drill (its own job scheduler), reported to SLACK_DIGEST_CHANNEL. */
export default defineJob({
  name: 'backup-restore-drill',
  queue: 'maintenance',
  data: z.object({ report: reportSchema.optional() }),
  options: { attempts: 4, backoff: { type: 'exponential', delay: 30_000 } },
  schedule(deps) {
    const settings = backupSettings(deps.config);
    if (!settings.drill.enabled || !settings.target) return undefined;
    return { pattern: settings.drill.cron, tz: settings.drill.tz, data: {} };
  },
  async run(data, deps, job, token) {
    const report = await keepReport(job, data, deps.redact, async () =>
      drillReport(await restoreDrill(deps), deps.t),
    );
    try {
      await postToDigest(deps, report);
    } catch (err) {
      return deferIfRateLimited(err, job, token);
    }
    return { tone: report.tone };
  },
});
