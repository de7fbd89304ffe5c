import { z } from 'zod';
import { backupSettings, configuredTargets, TARGETS, type Target } from '../src/backup/config.ts';
import { BackupHistory } from '../src/backup/history.ts';
import { listReport, runReport, statusReport } from '../src/backup/report.ts';
import { runBackups } from '../src/backup/run.ts';
import { defineCommand } from '../src/commands/define.ts';
import { UserError } from '../src/errors.ts';
import type { Report } from '../src/report/report.ts';

const target = z.enum(TARGETS, { message: 'expected postgres, redis or minio' });

type BackupArgs =
  | { action: 'run'; targets: Target[] | 'all' }
  | { action: 'list'; target?: Target; limit: number }
  | { action: 'status' };

const args = z
  .object({
    positional: z.array(z.string()).max(2, 'expected at most two words, e.g. `/backup list postgres`'),
    flags: z.object({ limit: z.string().regex(/^\d+$/, '--limit expects a number').optional() }),
  })
  .transform((a, ctx): BackupArgs => {
    const [first, second] = a.positional.map((w) => w.toLowerCase());
    const bad = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (first === 'list') {
      if (second !== undefined && !target.safeParse(second).success) {
        return bad(`unknown target "${second}": expected postgres, redis or minio`);
      }
      const limit = Number(a.flags.limit ?? 10);
      if (limit < 1 || limit > 50) return bad('--limit must be between 1 and 50');
      return { action: 'list', target: second as Target | undefined, limit };
    }
    if (a.flags.limit !== undefined) return bad('--limit only applies to `/backup list`');
    if (first === 'status') {
      if (second !== undefined) return bad('`/backup status` takes no argument');
      return { action: 'status' };
    }
    if (second !== undefined)
      return bad('expected one target: `/backup postgres`, `/backup redis` or `/backup minio`');
    if (first === undefined || first === 'all') return { action: 'run', targets: 'all' };
    if (!target.safeParse(first).success) {
      return bad(`unknown target or subcommand "${first}": expected postgres, redis, minio, list or status`);
    }
    return { action: 'run', targets: [first as Target] };
  });

export default defineCommand({
  name: 'backup',
  summary: {
    'zh-CN': '备份 PostgreSQL、Redis、MinIO（校验后回复结果），查看备份记录与状态',
    en: 'Back up PostgreSQL, Redis and MinIO (verified, answered when done); list backups and their status',
  },
  usage: '/backup [postgres|redis|minio] | /backup list [target] [--limit n] | /backup status',
  examples: ['/backup', '/backup postgres', '/backup list redis', '/backup status'],
  permission: 'backup:list',
  permissionFor: (a) => (a.action === 'run' ? 'backup:run' : 'backup:list'),
  flags: { limit: 'string' },
  args,
  validate(a, deps) {
    if (a.action === 'run' && a.targets !== 'all') {
      const available = configuredTargets(deps.config);
      const missing = a.targets.find((x) => !available.includes(x));
      if (missing === 'minio') return { config: deps.t('backup.minioNotConfigured') };
    }
    if (a.action === 'run' && !backupSettings(deps.config).target) {
      return { config: deps.t('backup.notConfigured') };
    }
    return undefined;
  },
  async run(a, ctx): Promise<Report> {
    const { deps } = ctx;
    const { t } = deps;
    const history = new BackupHistory(deps.pool);
    if (a.action === 'list') {
      return listReport(await history.recent({ target: a.target, limit: a.limit }), t, a.target);
    }
    if (a.action === 'status') {
      const entries = await Promise.all(
        configuredTargets(deps.config).map(async (target) => ({
          target,
          lastGood: await history.lastGood(target),
          running: await history.running(target),
        })),
      );
      return statusReport(entries, t, deps.now());
    }
    if (ctx.source === 'slack' || ctx.source === 'button') {
      const auth = await deps.authorizer.check(ctx.user.id, ctx.channelId, 'backup:run');
      if (!auth.ok) throw new UserError(t('backup.denied'));
    }
    // Runs here, in the command's job, so the answer comes when the backup is done (deliverReport
    // posts to the channel instead when response_url has expired after 30 minutes).
    const targets = a.targets === 'all' ? configuredTargets(deps.config) : a.targets;
    const results = await runBackups(deps, targets, {
      trigger: ctx.source === 'schedule' ? 'schedule' : 'slack',
      requestedBy: ctx.user.id,
      jobId: ctx.jobId,
    });
    return runReport(results, t);
  },
});
