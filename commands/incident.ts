import { z } from 'zod';
import { type CommandContext, defineCommand } from '../src/commands/define.ts';
import { UserError } from '../src/errors.ts';
import { formatDuration } from '../src/incidents/format.ts';
import { renderContext } from '../src/incidents/sync.ts';
import { loadPostmortemData, postmortemFilename, renderPostmortem } from '../src/postmortem/document.ts';
import { incidentStats, noiseStats } from '../src/postmortem/stats.ts';
import { noiseBlocks, statsBlocks } from '../src/postmortem/stats-report.ts';
import type { Report } from '../src/report/report.ts';
import { messageLink } from '../src/slack/permalink.ts';

/**
 * `/incident <subcommand>`: one command for everything about incidents, by subcommand. The first
 * word picks the subcommand; each has its own arguments and permission (`permissionFor`). A later
 * `/incident <title>` (declare by hand) is one more branch: a first word that is no subcommand.
 */
const SUBCOMMANDS = {
  report: 'incident:report',
  stats: 'incident:stats',
} as const;

type Args = { sub: 'report'; id: number } | { sub: 'stats'; days: Array<7 | 30> };

const args = z
  .object({
    positional: z.array(z.string()),
    flags: z.object({ days: z.string().optional() }),
  })
  .transform((a, ctx): Args => {
    const [sub, ...rest] = a.positional;
    if (sub === 'report') {
      if (rest.length !== 1 || !/^#?\d{1,15}$/.test(rest[0] ?? '')) {
        ctx.addIssue({ code: 'custom', message: 'expected the incident number: report 42' });
        return z.NEVER;
      }
      if (a.flags.days !== undefined) {
        ctx.addIssue({ code: 'custom', message: '--days goes with stats' });
        return z.NEVER;
      }
      return { sub, id: Number((rest[0] ?? '').replace('#', '')) };
    }
    if (sub === 'stats') {
      if (rest.length) {
        ctx.addIssue({ code: 'custom', message: 'stats takes only --days 7 or --days 30' });
        return z.NEVER;
      }
      if (a.flags.days !== undefined && a.flags.days !== '7' && a.flags.days !== '30') {
        ctx.addIssue({ code: 'custom', message: 'expected --days 7 or --days 30' });
        return z.NEVER;
      }
      return { sub, days: a.flags.days ? [Number(a.flags.days) as 7 | 30] : [7, 30] };
    }
    ctx.addIssue({ code: 'custom', message: 'expected a subcommand: report <id> or stats' });
    return z.NEVER;
  });

async function report(id: number, ctx: CommandContext): Promise<Report> {
  const { deps } = ctx;
  const data = await loadPostmortemData(deps.pool, id);
  if (!data) throw new UserError(deps.t('postmortem.errors.incidentNotFound', { id }));
  const markdown = renderPostmortem(data, renderContext(deps));
  const inc = data.incident;
  const filename = postmortemFilename(id);
  const open = data.followups.filter((f) => !f.closedAt).length;
  return {
    title: deps.t('postmortem.report.title', { id, alertname: inc.alertname }),
    tone: inc.status === 'resolved' ? 'ok' : 'warn',
    summary: deps.t('postmortem.report.summary', { file: filename }),
    blocks: [
      {
        kind: 'fields',
        fields: [
          {
            label: deps.t('postmortem.doc.status'),
            value:
              inc.status === 'resolved' ? deps.t('postmortem.doc.resolved') : deps.t('postmortem.doc.firing'),
          },
          { label: 'MTTA', value: formatDuration(inc.timeToAckMs, deps.locale) },
          { label: 'MTTR', value: formatDuration(inc.timeToResolveMs, deps.locale) },
          { label: deps.t('postmortem.doc.rootCause'), value: data.postmortem?.rootCause ? '✓' : '—' },
          { label: deps.t('postmortem.doc.followups'), value: `${open}/${data.followups.length}` },
        ],
      },
    ],
    links: inc.rootTs
      ? [{ label: deps.t('postmortem.reminder.thread'), url: messageLink(inc.channel, inc.rootTs) }]
      : [],
    document: { filename, content: markdown },
    data: { incidentId: id, markdown },
  };
}

export default defineCommand<Args>({
  name: 'incident',
  summary: {
    'zh-CN': '事件：故障报告（report <编号>）、MTTA/MTTR 指标（stats）',
    en: 'Incidents: the postmortem (report <id>), MTTA/MTTR measures (stats)',
  },
  usage: '/incident report <id> | stats [--days 7|30]',
  examples: ['/incident report 42', '/incident stats', '/incident stats --days 7'],
  permission: SUBCOMMANDS.report,
  permissionFor: (a) => SUBCOMMANDS[a.sub],
  flags: { days: 'string' },
  args,
  async run(a, ctx): Promise<Report> {
    if (a.sub === 'report') return report(a.id, ctx);
    const { deps } = ctx;
    const now = deps.now();
    const stats = await Promise.all(
      a.days.map((d) => incidentStats(deps.pool, deps.config.services, now, d)),
    );
    const noise = await noiseStats(deps.pool, now, 7);
    const blocks = [
      ...stats.flatMap((s) => statsBlocks(deps.t, deps.locale, s)),
      ...noiseBlocks(deps.t, noise),
    ];
    return {
      title: deps.t('postmortem.stats.title', { days: a.days.join('/') }),
      tone: 'info',
      blocks,
      data: { stats, noise },
    };
  },
});
