import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import { type Followup, type FollowupFilter, listFollowups } from '../src/postmortem/store.ts';
import type { Report } from '../src/report/report.ts';

type Args = { view: 'mine' | 'overdue' | 'all' } | { view: 'incident'; incidentId: number };

const args = z
  .object({
    positional: z.array(z.string()).max(1, 'expected one of mine, overdue, all or an incident number'),
    flags: z.object({}),
  })
  .transform((a, ctx): Args => {
    const word = (a.positional[0] ?? 'mine').toLowerCase();
    if (word === 'mine' || word === 'overdue' || word === 'all') return { view: word };
    if (/^#?\d{1,15}$/.test(word)) return { view: 'incident', incidentId: Number(word.replace('#', '')) };
    ctx.addIssue({ code: 'custom', message: 'expected one of mine, overdue, all or an incident number' });
    return z.NEVER;
  });

/** `/followups`: the post-incident follow-ups (preventive measures) with their owners and due dates. */
export default defineCommand<Args>({
  name: 'followups',
  summary: {
    'zh-CN': '事后跟进事项：我的（默认）、逾期、全部未完成、某个事件的',
    en: 'Post-incident follow-ups: mine (default), overdue, all open, or one incident’s',
  },
  usage: '/followups [mine|overdue|all|<incident id>]',
  examples: ['/followups', '/followups overdue', '/followups 42'],
  permission: 'followups',
  args,
  async run(a, ctx): Promise<Report> {
    const { deps } = ctx;
    const now = deps.now();
    const filter: FollowupFilter =
      a.view === 'mine'
        ? { kind: 'mine', owner: ctx.user.id }
        : a.view === 'overdue'
          ? { kind: 'overdue' }
          : a.view === 'incident'
            ? { kind: 'incident', incidentId: a.incidentId }
            : { kind: 'open' };
    const rows = await listFollowups(deps.pool, filter, now, 100);
    const t = deps.t;
    const title =
      a.view === 'mine'
        ? t('postmortem.followups.titleMine')
        : a.view === 'overdue'
          ? t('postmortem.followups.titleOverdue')
          : a.view === 'incident'
            ? t('postmortem.followups.titleIncident', { id: a.incidentId })
            : t('postmortem.followups.title');
    const state = (f: Followup) =>
      f.closedAt
        ? t('postmortem.followups.closed')
        : f.dueAt <= now
          ? `⚠️ ${t('postmortem.followups.overdue')}`
          : t('postmortem.followups.open');
    return {
      title,
      tone: rows.some((f) => !f.closedAt && f.dueAt <= now) ? 'warn' : 'info',
      summary: rows.length
        ? t('postmortem.followups.summary', { count: rows.length })
        : t('postmortem.followups.none'),
      blocks: rows.length
        ? [
            {
              kind: 'table',
              table: {
                columns: t('postmortem.followups.columns', { returnObjects: true }) as unknown as string[],
                rows: rows.map((f) => [
                  String(f.id),
                  `#${f.incidentId}`,
                  f.title,
                  f.owner,
                  f.dueOn,
                  state(f),
                ]),
              },
            },
          ]
        : [],
      data: rows,
    };
  },
});
