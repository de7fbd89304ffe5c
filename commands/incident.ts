import { z } from 'zod';
import { type CommandContext, defineCommand } from '../src/commands/define.ts';
import { UserError } from '../src/errors.ts';
import type { Severity } from '../src/incidents/config.ts';
import { formatDuration } from '../src/incidents/format.ts';
import { declareHook } from '../src/incidents/interactions.ts';
import {
  acknowledge,
  changeSeverity,
  declare,
  postStatusUpdate,
  resolveByHand,
} from '../src/incidents/manage.ts';
import { parseSeverity } from '../src/incidents/severity.ts';
import { loadIncident } from '../src/incidents/store.ts';
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
  declare: 'incident:declare',
  ack: 'incident:ack',
  resolve: 'incident:resolve',
  severity: 'incident:severity',
  update: 'incident:update',
} as const;

type Args =
  | { sub: 'report'; id: number }
  | { sub: 'stats'; days: Array<7 | 30> }
  | { sub: 'declare'; title: string; severity?: Severity; service?: string }
  | { sub: 'ack' | 'resolve'; id: number }
  | { sub: 'severity'; id: number; severity: Severity }
  | { sub: 'update'; id: number; text: string };

const INCIDENT_ID = /^#?\d{1,15}$/;
const idOf = (w: string | undefined) => Number((w ?? '').replace('#', ''));

const args = z
  .object({
    positional: z.array(z.string()),
    flags: z.object({
      days: z.string().optional(),
      severity: z.string().optional(),
      service: z.string().optional(),
    }),
  })
  .transform((a, ctx): Args => {
    const [sub, ...rest] = a.positional;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (sub !== 'stats' && a.flags.days !== undefined) return fail('--days goes with stats');
    const declaring = sub === 'declare' || !(sub && sub in SUBCOMMANDS);
    if (!declaring && (a.flags.severity !== undefined || a.flags.service !== undefined)) {
      return fail('--severity and --service go with a new incident: /incident <title> --severity SEV2');
    }
    if (sub === 'ack' || sub === 'resolve') {
      if (rest.length !== 1 || !INCIDENT_ID.test(rest[0] ?? ''))
        return fail(`expected the incident number: ${sub} 42`);
      return { sub, id: idOf(rest[0]) };
    }
    if (sub === 'severity') {
      const sev = parseSeverity(rest[1]);
      if (rest.length !== 2 || !INCIDENT_ID.test(rest[0] ?? '') || !sev)
        return fail('expected the incident number and a severity: severity 42 SEV1');
      return { sub, id: idOf(rest[0]), severity: sev };
    }
    if (sub === 'update') {
      if (!INCIDENT_ID.test(rest[0] ?? '') || rest.length < 2)
        return fail(
          'expected the incident number and the update: update 42 "Rolled back; error rate normal"',
        );
      return { sub, id: idOf(rest[0]), text: rest.slice(1).join(' ') };
    }
    if (declaring) {
      const words = sub === 'declare' ? rest : a.positional;
      const title = words.join(' ').trim();
      if (!title) return fail('expected a title: /incident Users cannot log in --severity SEV2');
      let severity: Severity | undefined;
      if (a.flags.severity !== undefined) {
        severity = parseSeverity(a.flags.severity);
        if (!severity) return fail('expected --severity SEV1, SEV2, SEV3 or SEV4');
      }
      return {
        sub: 'declare',
        title,
        ...(severity ? { severity } : {}),
        ...(a.flags.service ? { service: a.flags.service } : {}),
      };
    }
    if (sub === 'report') {
      if (rest.length !== 1 || !/^#?\d{1,15}$/.test(rest[0] ?? '')) {
        ctx.addIssue({ code: 'custom', message: 'expected the incident number: report 42' });
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
    return fail('expected a title or a subcommand: report <id> or stats');
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

/** Declare, acknowledge, resolve, severity, update: the same operations as the root's controls. */
async function manage(a: Exclude<Args, { sub: 'report' | 'stats' }>, ctx: CommandContext): Promise<Report> {
  const { deps } = ctx;
  const by = ctx.user.id;
  if (a.sub === 'declare') {
    // The CLI has no console to print a thread to: the incident goes to the bot's channel.
    if (ctx.source === 'cli' && !deps.config.slack.incidentChannel)
      throw new UserError(deps.t('incidents.errors.noChannel'));
    const severity = a.severity ?? deps.config.file.incidents.defaultSeverity;
    const { id } = await declare(deps, {
      title: a.title,
      severity,
      ...(a.service ? { service: a.service } : {}),
      by,
      // A retried job declares once.
      ...(ctx.jobId ? { key: `job:${ctx.jobId}` } : {}),
    });
    const channel = deps.config.slack.incidentChannel ?? 'console';
    return {
      title: deps.t('incidents.ephemeral.declared', { id, title: a.title, channel }),
      tone: 'warn',
      blocks: [],
      data: { incidentId: id, severity },
    };
  }
  const inc = await loadIncident(deps.pool, a.id);
  if (!inc) throw new UserError(deps.t('incidents.errors.notFoundId', { id: a.id }));
  const links = inc.rootTs
    ? [{ label: deps.t('postmortem.reminder.thread'), url: messageLink(inc.channel, inc.rootTs) }]
    : [];
  if (a.sub === 'severity') {
    const changed = await changeSeverity(deps, a.id, a.severity, by);
    return {
      title: deps.t('incidents.ephemeral.severityChanged', { id: a.id, severity: a.severity }),
      tone: 'info',
      blocks: [],
      links,
      data: { incidentId: a.id, severity: a.severity, changed },
    };
  }
  if (a.sub === 'update') {
    await postStatusUpdate(deps, a.id, a.text, by);
    return {
      title: deps.t('incidents.ephemeral.updated', {
        stakeholders: deps.config.file.incidents.stakeholderChannel
          ? deps.t('incidents.ephemeral.toStakeholders')
          : '',
      }),
      tone: 'ok',
      blocks: [],
      links,
      data: { incidentId: a.id },
    };
  }
  if (a.sub === 'ack') {
    const changed = await acknowledge(deps, a.id, by);
    return {
      title: changed
        ? deps.t('incidents.ephemeral.acknowledged', { id: a.id })
        : deps.t('incidents.ephemeral.alreadyAcknowledged', { id: a.id }),
      tone: 'ok',
      blocks: [],
      links,
      data: { incidentId: a.id, changed },
    };
  }
  const changed = await resolveByHand(deps, a.id, by);
  return {
    title: changed
      ? deps.t('incidents.ephemeral.resolvedId', { id: a.id })
      : deps.t('incidents.ephemeral.alreadyResolved'),
    tone: 'ok',
    blocks: [],
    links,
    data: { incidentId: a.id, changed },
  };
}

export default defineCommand<Args>({
  name: 'incident',
  summary: {
    'zh-CN':
      '事件：宣布事件（/incident <标题>）、调整级别、发布进展、故障报告（report <编号>）、MTTA/MTTR 指标（stats）',
    en: 'Incidents: declare one (/incident <title>), severity, status updates, the postmortem (report <id>), MTTA/MTTR (stats)',
  },
  usage:
    '/incident <title> [--severity SEV1-4] [--service name] | report <id> | stats [--days 7|30] | ack|resolve <id> | severity <id> SEV1-4 | update <id> <text>',
  examples: [
    '/incident',
    '/incident 用户无法登录 --severity SEV2 --service laojun-gateway',
    '/incident severity 42 SEV1',
    '/incident update 42 "已回滚，错误率恢复正常"',
    '/incident report 42',
    '/incident stats',
    '/incident stats --days 7',
  ],
  permission: SUBCOMMANDS.report,
  permissionFor: (a) => SUBCOMMANDS[a.sub],
  flags: { days: 'string', severity: 'string', service: 'string' },
  args,
  // `/incident` alone asks for what is missing in a modal, opened in the acknowledgement.
  interactive: declareHook,
  async run(a, ctx): Promise<Report> {
    if (a.sub === 'report') return report(a.id, ctx);
    if (a.sub !== 'stats') return manage(a, ctx);
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
