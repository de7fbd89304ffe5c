import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { Report } from '../src/report/report.ts';

const USER = /^(?:<@)?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$/;

const args = z
  .object({
    positional: z.array(z.string()).max(0, 'filters are given as --user, --command and --limit'),
    flags: z.object({
      user: z
        .string()
        .regex(USER, 'expected a Slack user ID like U012ABC or a mention')
        .transform((v) => USER.exec(v)?.[1])
        .optional(),
      command: z
        .string()
        .regex(/^\/?[a-z][a-z0-9-]{0,30}$/, 'expected a command name like status')
        .transform((v) => v.replace(/^\//, ''))
        .optional(),
      limit: z
        .string()
        .regex(/^\d+$/, 'expected a number from 1 to 100')
        .transform(Number)
        .pipe(
          z.number().min(1, 'expected a number from 1 to 100').max(100, 'expected a number from 1 to 100'),
        )
        .optional(),
    }),
  })
  .transform((a) => a.flags);

export default defineCommand({
  name: 'audit',
  summary: {
    'zh-CN': '审计日志：谁在何处执行了什么',
    en: 'Audit log: who ran what, where, with what outcome',
  },
  usage: '/audit [--user U012ABC] [--command status] [--limit 20]',
  examples: ['/audit', '/audit --user U012ABC', '/audit --command backup --limit 50'],
  permission: 'audit',
  flags: { user: 'string', command: 'string', limit: 'string' },
  args,
  async run(a, ctx): Promise<Report> {
    const { deps } = ctx;
    const rows = await deps.audit.recent({ userId: a.user, command: a.command, limit: a.limit ?? 20 });
    const en = deps.locale === 'en';
    return {
      title: en ? 'Audit log' : '审计日志',
      tone: 'info',
      summary: en ? `${rows.length} most recent entries` : `最近 ${rows.length} 条记录`,
      blocks: [
        {
          kind: 'table',
          table: {
            columns: en
              ? ['time (UTC)', 'user', 'channel', 'action', 'arguments', 'outcome', 'ms']
              : ['时间 (UTC)', '用户', '频道', '操作', '参数', '结果', '耗时ms'],
            rows: rows.map((r) => [
              r.at.toISOString().slice(0, 19).replace('T', ' '),
              r.user_id,
              r.channel_id ?? '',
              `${r.source === 'slack' ? '/' : `${r.source}:`}${r.command}`,
              r.arguments.slice(0, 60),
              r.detail ? `${r.outcome} (${r.detail.slice(0, 40)})` : r.outcome,
              r.duration_ms === null ? '' : String(r.duration_ms),
            ]),
          },
        },
      ],
      data: rows,
    };
  },
});
