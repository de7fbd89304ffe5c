import type { Job } from 'bullmq';
import type { Redactor } from '../redact.ts';
import { mapReportText, type Report } from '../report/report.ts';

/**
 * Computes a job's report once and keeps it (redacted) in the job's data, so a retry after a failed
 * Slack delivery posts the kept report instead of doing the work again (a backup must not run twice
 * because Slack hiccuped). Job data never holds secrets: the kept copy is redacted, raw data dropped.
 */
export async function keepReport(
  job: Job,
  data: { report?: Report },
  redact: Redactor,
  compute: () => Promise<Report>,
): Promise<Report> {
  if (data.report) return data.report;
  const report = { ...mapReportText(await compute(), redact), data: undefined };
  await job.updateData({ ...data, report });
  return report;
}
