import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import { exportIncidents, parseSince, toCsv, toJson } from '../src/postmortem/export.ts';
import type { Report } from '../src/report/report.ts';

const args = z
  .object({
    positional: z.array(z.string()),
    flags: z.object({ since: z.string().default('30d'), format: z.string().default('csv') }),
  })
  .transform((a, ctx) => {
    if (a.positional.length !== 1 || a.positional[0] !== 'export') {
      ctx.addIssue({ code: 'custom', message: 'expected: export [--since 30d] [--format csv|json]' });
      return z.NEVER;
    }
    const sinceMs = parseSince(a.flags.since);
    if (sinceMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected --since as a number and d or h, e.g. 30d (at most 365d)',
      });
      return z.NEVER;
    }
    if (a.flags.format !== 'csv' && a.flags.format !== 'json') {
      ctx.addIssue({ code: 'custom', message: 'expected --format csv or --format json' });
      return z.NEVER;
    }
    return { since: a.flags.since, sinceMs, format: a.flags.format as 'csv' | 'json' };
  });

/** `/incidents export`: every incident of a period with its measures, root cause and follow-ups, as a file. */
export default defineCommand({
  name: 'incidents',
  summary: {
    'zh-CN': '导出事件（CSV 或 JSON）：时间、MTTA/MTTR、根因、跟进事项',
    en: 'Export incidents (CSV or JSON): times, MTTA/MTTR, root cause, follow-ups',
  },
  usage: '/incidents export [--since 30d] [--format csv|json]',
  examples: ['/incidents export', '/incidents export --since 7d --format json'],
  permission: 'incident:export',
  flags: { since: 'string', format: 'string' },
  args,
  async run(a, ctx): Promise<Report> {
    const { deps } = ctx;
    const now = deps.now();
    const rows = await exportIncidents(
      deps.pool,
      deps.config.services,
      deps.redact,
      new Date(now.getTime() - a.sinceMs),
    );
    const filename = `incidents-${a.since}-${now.toISOString().slice(0, 10)}.${a.format}`;
    return {
      title: deps.t('postmortem.export.title', { since: a.since }),
      tone: 'info',
      summary: deps.t('postmortem.export.summary', {
        count: rows.length,
        format: a.format.toUpperCase(),
        file: filename,
      }),
      document: { filename, content: a.format === 'csv' ? toCsv(rows) : toJson(rows) },
      data: rows,
    };
  },
});
